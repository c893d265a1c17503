/**
 * The REST API's types, generated from the OpenAPI document that
 * atmo_lab/openapi.py builds (served at atmo-lab/api/openapi.json).
 * Do not edit: regenerate with `cd labextension && PATH=../.venv/bin:$PATH
 * jlpm generate:api` (tests/test_openapi_types.py fails when it is stale).
 */
export interface paths {
  '/config': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Limits and facts of this installation */
    get: operations['get_config'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/releases': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Active EMR releases, newest first */
    get: operations['get_releases'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations['get_openapi_json'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The caller's SSH keys, newest first */
    get: operations['get_keys'];
    put?: never;
    /** Add an SSH public key */
    post: operations['post_keys'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/keys/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** A key with its text */
    get: operations['get_keys_by_id'];
    put?: never;
    post?: never;
    /** Delete a key */
    delete: operations['delete_keys_by_id'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/keys/{id}/raw': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** The public key as text */
    get: operations['get_keys_by_id_raw'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Clusters, newest first */
    get: operations['get_clusters'];
    put?: never;
    /** Launch a cluster */
    post: operations['post_clusters'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters/new-identifier': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A free generated identifier */
    get: operations['get_clusters_new_identifier'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** A cluster */
    get: operations['get_clusters_by_id'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters/{id}/extend': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Extend the lifetime */
    post: operations['post_clusters_by_id_extend'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters/{id}/terminate': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Terminate */
    post: operations['post_clusters_by_id_terminate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/clusters/{id}/resize': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resize the core group */
    post: operations['post_clusters_by_id_resize'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Scheduled jobs */
    get: operations['get_jobs'];
    put?: never;
    /** Schedule a notebook */
    post: operations['post_jobs'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/identifier-available': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Is a job identifier valid and free? */
    get: operations['get_jobs_identifier_available'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/schedule-preview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The next runs of a schedule (interval_in_hours, or cron schedule in timezone) */
    get: operations['get_jobs_schedule_preview'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/notebook-facts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A notebook's suggested identifier, parameters and first heading */
    get: operations['get_jobs_notebook_facts'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** A job */
    get: operations['get_jobs_by_id'];
    put?: never;
    post?: never;
    /** Delete a job (results are kept) */
    delete: operations['delete_jobs_by_id'];
    options?: never;
    head?: never;
    /** Change a job (only the fields sent; no body: no change) */
    patch: operations['patch_jobs_by_id'];
    trace?: never;
  };
  '/jobs/{id}/runs': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** Run history, newest first */
    get: operations['get_jobs_by_id_runs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/run': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Run now */
    post: operations['post_jobs_by_id_run'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/notebook': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** The stored notebook */
    get: operations['get_jobs_by_id_notebook'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/jobs/{id}/results': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** Result and log files */
    get: operations['get_jobs_by_id_results'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/runs/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** A run */
    get: operations['get_runs_by_id'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/runs/{id}/output': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    /** The run's executed notebook (404 while it has none, or once it was pruned) */
    get: operations['get_runs_by_id_output'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/notifications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Notifications, newest first */
    get: operations['get_notifications'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/notifications/{id}/read': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Mark as read */
    post: operations['post_notifications_by_id_read'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    Error: {
      message: string;
      errors: {
        [key: string]: string;
      };
    };
    Config: {
      user: string;
      is_maintainer: boolean;
      region: string;
      max_cluster_size: number | null;
      min_resize_size: number;
      min_cluster_lifetime: number;
      max_cluster_lifetime: number;
      default_cluster_lifetime: number;
      /** @enum {string} */
      job_executor: 'emr' | 'local';
      job_intervals: number[];
      default_interval_in_hours: number;
      aws_endpoint: string | null;
      is_local_emulator: boolean;
    };
    Release: {
      version: string;
      changelog_url: string;
      help_text: string;
      is_experimental: boolean;
      is_deprecated: boolean;
    };
    Key: {
      id: number;
      title: string;
      prefix: string;
      fingerprint: string;
      fingerprint_sha256: string;
      /** Format: date-time */
      created_at: string;
    };
    KeyDetail: components['schemas']['Key'] & {
      key: string;
    };
    /**
     * @example {
     *       "title": "laptop",
     *       "key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbTJ0hwkPsaqeRH7wM2z8Cb+e3uXkhwbWMPzVuNuAvC me@laptop"
     *     }
     */
    KeyInput: {
      title: string;
      /** @description an OpenSSH public key line (ssh-rsa, ssh-dss, ecdsa-sha2-nistp256/384/521, ssh-ed25519); private keys are refused */
      key: string;
    };
    Cluster: {
      id: number;
      identifier: string;
      size: number;
      lifetime_hours: number;
      lifetime_extension_count: number;
      ssh_key_id: number | null;
      emr_release: string;
      jobflow_id: string;
      status: string;
      status_reason: string;
      master_address: string;
      /** Format: date-time */
      created_at: string;
      /** Format: date-time */
      started_at: string | null;
      /** Format: date-time */
      ready_at: string | null;
      /** Format: date-time */
      finished_at: string | null;
      /** Format: date-time */
      expires_at: string;
      is_active: boolean;
      is_expiring_soon: boolean;
      owner: string;
      /** @description the Spark Connect endpoint (sc://host:port, /;token=… where it checks one); null until it accepts connections and after the end */
      spark_connect_url: string | null;
      /** @description the Spark the cluster runs */
      spark_version: string | null;
      /** @description one ssh -N command forwarding the master's Spark Connect, YARN ResourceManager and Spark History Server ports (active clusters with a master address) */
      ssh_tunnel: string | null;
    };
    ClusterInput: {
      /** @description empty: a generated name */
      identifier?: string | null;
      /** @description nodes; maintainers may exceed the maximum (max_cluster_size) */
      size: number;
      lifetime_hours?: number;
      /** @description one of the caller's keys */
      ssh_key_id: number;
      /** @description an active release (GET /releases); null: the default */
      emr_release?: string | null;
    };
    Hours: {
      hours: number;
    };
    Size: {
      /** @description core nodes (clusters of size 2+) */
      size: number;
    };
    RunError: {
      cell_index: number | null;
      ename: string;
      evalue: string;
    } | null;
    Run: {
      id: number;
      job_id: number;
      status: string;
      status_reason: string;
      jobflow_id: string | null;
      executor: string;
      is_manual: boolean;
      is_active: boolean;
      /**
       * @description what happened, in words (status stays EMR's)
       * @enum {string}
       */
      outcome:
        'succeeded' | 'failed' | 'timed out' | 'missed' | 'running' | 'stopped';
      /** Format: date-time */
      output_pruned_at: string | null;
      /** Format: date-time */
      scheduled_at: string | null;
      /** Format: date-time */
      started_at: string | null;
      /** Format: date-time */
      ready_at: string | null;
      /** Format: date-time */
      finished_at: string | null;
      duration_seconds: number | null;
      output_notebook_key: string | null;
      error: components['schemas']['RunError'];
      /** Format: date-time */
      created_at: string;
    };
    Job: {
      id: number;
      identifier: string;
      description: string;
      notebook_name: string;
      notebook_s3_key: string;
      /** @enum {string} */
      result_visibility: 'private' | 'public';
      size: number;
      interval_in_hours: number | null;
      schedule: string | null;
      timezone: string;
      job_timeout_hours: number;
      /** Format: date-time */
      start_date: string;
      /** Format: date-time */
      end_date: string | null;
      /** Format: date-time */
      expired_date: string | null;
      is_enabled: boolean;
      emr_release: string;
      parameters: Record<string, unknown>;
      /** @enum {string} */
      executor: 'emr' | 'local';
      /** Format: date-time */
      next_run_at: string | null;
      latest_run: components['schemas']['Run'] | null;
      owner: string;
      /** Format: date-time */
      created_at: string;
      /** Format: date-time */
      modified_at: string;
    };
    /**
     * @example {
     *       "identifier": "daily-report",
     *       "description": "Counts yesterday's events",
     *       "notebook_name": "report.ipynb",
     *       "notebook": {
     *         "nbformat": 4,
     *         "nbformat_minor": 5,
     *         "metadata": {
     *           "kernelspec": {
     *             "name": "python3",
     *             "display_name": "Python 3",
     *             "language": "python"
     *           }
     *         },
     *         "cells": [
     *           {
     *             "cell_type": "code",
     *             "id": "parameters",
     *             "metadata": {
     *               "tags": [
     *                 "parameters"
     *               ]
     *             },
     *             "source": "days = 7",
     *             "outputs": [],
     *             "execution_count": null
     *           },
     *           {
     *             "cell_type": "code",
     *             "id": "count",
     *             "metadata": {},
     *             "source": "print(days * 24)",
     *             "outputs": [],
     *             "execution_count": null
     *           }
     *         ]
     *       },
     *       "schedule": "0 6 * * *",
     *       "timezone": "Europe/Berlin",
     *       "parameters": {
     *         "days": 1
     *       }
     *     }
     */
    JobInput: {
      identifier?: string;
      description?: string;
      /** @description a notebook in the Jupyter server's files */
      notebook_path?: string | null;
      /** @description an nbformat 4 notebook */
      notebook?: Record<string, unknown> | null;
      notebook_name?: string | null;
      /** @enum {string|null} */
      result_visibility?: 'private' | 'public' | null;
      /** @description nodes; maintainers may exceed the maximum (max_cluster_size) */
      size?: number;
      /** @enum {integer|null} */
      interval_in_hours?: 24 | 168 | 720 | null;
      /** @description a five-field cron expression */
      schedule?: string | null;
      /** @description an IANA time zone (default UTC) */
      timezone?: string | null;
      job_timeout_hours?: number;
      /** Format: date-time */
      start_date?: string | null;
      /** Format: date-time */
      end_date?: string | null;
      is_enabled?: boolean;
      emr_release?: string | null;
      parameters?: Record<string, unknown> | null;
      /** @enum {string|null} */
      executor?: 'emr' | 'local' | null;
    };
    Result: {
      key: string;
      size: number;
      /** Format: date-time */
      last_modified: string;
      url: string;
    };
    Results: {
      data: components['schemas']['Result'][];
      logs: components['schemas']['Result'][];
    };
    SchedulePreview: {
      timezone: string;
      runs: string[];
    };
    NotebookFacts: {
      notebook_path: string;
      identifier: string;
      title: string | null;
      parameters: Record<string, unknown>;
      skipped: string[];
    };
    IdentifierAvailability: {
      identifier: string;
      valid: boolean;
      available: boolean;
    };
    Notification: {
      id: number;
      /** @enum {string} */
      kind:
        | 'cluster_expiring'
        | 'cluster_expired'
        | 'run_failed'
        | 'run_timed_out'
        | 'job_expired';
      subject: string;
      body: string;
      /** Format: date-time */
      created_at: string;
      read: boolean;
      object: {
        /** @enum {string} */
        type: 'cluster' | 'job' | 'run';
        id: number;
      };
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  get_config: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Limits and facts of this installation */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Config'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_releases: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Active EMR releases, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            releases: components['schemas']['Release'][];
          };
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_openapi_json: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description This document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, unknown>;
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_keys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The caller's SSH keys, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            keys: components['schemas']['Key'][];
          };
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_keys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['KeyInput'];
      };
    };
    responses: {
      /** @description Add an SSH public key */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Key'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_keys_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A key with its text */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['KeyDetail'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  delete_keys_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Delete a key */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_keys_by_id_raw: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The public key as text */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_clusters: {
    parameters: {
      query?: {
        status?: 'active' | 'terminated' | 'failed' | 'all';
        /** @description all: everyone's (maintainers); left out: the caller's */
        owner?: 'all';
        limit?: number;
        /** @description next_cursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Clusters, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            clusters: components['schemas']['Cluster'][];
            next_cursor?: string | null;
            /** @description how many in all (first page of clusters, jobs) */
            total?: number;
          };
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_clusters: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ClusterInput'];
      };
    };
    responses: {
      /** @description Launch a cluster */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Cluster'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_clusters_new_identifier: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A free generated identifier */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            identifier: string;
          };
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_clusters_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A cluster */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Cluster'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_clusters_by_id_extend: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['Hours'];
      };
    };
    responses: {
      /** @description Extend the lifetime */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Cluster'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_clusters_by_id_terminate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Terminate */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Cluster'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_clusters_by_id_resize: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['Size'];
      };
    };
    responses: {
      /** @description Resize the core group */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Cluster'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs: {
    parameters: {
      query?: {
        /** @description all: everyone's (maintainers); left out: the caller's */
        owner?: 'all';
        limit?: number;
        /** @description next_cursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Scheduled jobs */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            jobs: components['schemas']['Job'][];
            next_cursor?: string | null;
            /** @description how many in all (first page of clusters, jobs) */
            total?: number;
          };
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_jobs: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['JobInput'];
      };
    };
    responses: {
      /** @description Schedule a notebook */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_identifier_available: {
    parameters: {
      query?: {
        identifier?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Is a job identifier valid and free? */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IdentifierAvailability'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_schedule_preview: {
    parameters: {
      query?: {
        schedule?: string;
        timezone?: string;
        start_date?: string;
        end_date?: string;
        interval_in_hours?: 24 | 168 | 720;
        count?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The next runs of a schedule (interval_in_hours, or cron schedule in timezone) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SchedulePreview'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_notebook_facts: {
    parameters: {
      query: {
        /** @description a notebook in the Jupyter server's files */
        notebook_path: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A notebook's suggested identifier, parameters and first heading */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['NotebookFacts'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A job */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  delete_jobs_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Delete a job (results are kept) */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  patch_jobs_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['JobInput'];
      };
    };
    responses: {
      /** @description Change a job (only the fields sent; no body: no change) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Job'];
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_by_id_runs: {
    parameters: {
      query?: {
        limit?: number;
        /** @description next_cursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Run history, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            runs: components['schemas']['Run'][];
            next_cursor?: string | null;
            /** @description how many in all (first page of clusters, jobs) */
            total?: number;
          };
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_jobs_by_id_run: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Run now */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Run'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_by_id_notebook: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The stored notebook */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ipynb+json': Record<string, unknown>;
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_jobs_by_id_results: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Result and log files */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Results'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_runs_by_id: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A run */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Run'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_runs_by_id_output: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The run's executed notebook (404 while it has none, or once it was pruned) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ipynb+json': Record<string, unknown>;
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description AWS refused or failed */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  get_notifications: {
    parameters: {
      query?: {
        unread?: 'true' | 'false';
        limit?: number;
        /** @description next_cursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Notifications, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            notifications: components['schemas']['Notification'][];
            next_cursor?: string | null;
            /** @description how many in all (first page of clusters, jobs) */
            total?: number;
          };
        };
      };
      /** @description invalid input; errors names each field */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  post_notifications_by_id_read: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Mark as read */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Notification'];
        };
      };
      /** @description not authenticated, or not authorized */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description no such object */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
      /** @description the store could not be opened (the server log says why) */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
}
