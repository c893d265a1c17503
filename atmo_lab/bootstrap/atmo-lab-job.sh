#!/usr/bin/env bash
# EMR bootstrap action of an atmo_lab scheduled run (runs on every node).
#   --timeout <minutes>    hard stop: the node shuts down after this many minutes
#   --install <packages>   pip packages the papermill step needs (comma separated)
#   --data-bucket <b> --job-name <id>   where the step's logs are shipped when the node stops
set -euo pipefail
TIMEOUT="" INSTALL="" BUCKET="" JOB=""
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --install) INSTALL="$2"; shift 2 ;;
    --data-bucket) BUCKET="$2"; shift 2 ;;
    --job-name) JOB="$2"; shift 2 ;;
    *) echo "atmo-lab job bootstrap: ignoring unknown argument $1" >&2; shift ;;
  esac
done
case "$TIMEOUT" in ''|*[!0-9]*) echo "atmo-lab job bootstrap: --timeout <minutes> is required" >&2; exit 1 ;; esac
SUDO="sudo -n"; [ "$(id -u)" = 0 ] && SUDO=""
# The run's hard time limit, independent of the worker (ATMO's kill switch).
$SUDO shutdown -h "+$TIMEOUT" "atmo_lab: job timeout reached" >/dev/null 2>&1 &
if [ -n "$INSTALL" ]; then
  $SUDO python3 -m pip install --quiet ${INSTALL//,/ } ipykernel boto3
  $SUDO python3 -m ipykernel install --name python3 >/dev/null 2>&1 || true
fi
if [ -n "$BUCKET" ] && [ -n "$JOB" ]; then
  # Ship the step logs to s3://<bucket>/<job>/logs/ when the node stops.
  cat <<SHIP | $SUDO tee /usr/local/bin/atmo-lab-ship-logs >/dev/null
#!/usr/bin/env bash
stamp=\$(date -u +%Y%m%d%H%M%S)
tar -czf /tmp/atmo-lab-steps.tgz -C /mnt/var/log/hadoop steps 2>/dev/null || exit 0
aws s3 cp /tmp/atmo-lab-steps.tgz "s3://$BUCKET/$JOB/logs/$JOB.\$stamp.steps.tgz" --quiet || true
SHIP
  $SUDO chmod +x /usr/local/bin/atmo-lab-ship-logs
  if [ -d /etc/systemd/system ]; then
    cat <<UNIT | $SUDO tee /etc/systemd/system/atmo-lab-ship-logs.service >/dev/null
[Unit]
Description=Ship atmo_lab step logs to S3 at shutdown
[Service]
Type=oneshot
RemainAfterExit=true
ExecStop=/usr/local/bin/atmo-lab-ship-logs
[Install]
WantedBy=multi-user.target
UNIT
    $SUDO systemctl enable --now atmo-lab-ship-logs.service >/dev/null 2>&1 || true
  fi
fi
echo "atmo-lab job bootstrap: timeout ${TIMEOUT} min"
