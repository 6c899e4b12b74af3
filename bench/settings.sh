# shellcheck shell=bash disable=SC2034  # the bounds below are read by the sourcing scripts
# bench/settings.sh - the checks of the settings that bench/run.sh and
# bench/compare_builds.sh share; sourced by both (not run). Each check
# sets its variable to the normalised value or calls `die` (defined by the
# sourcing script: a message, exit 2), so that a typo stops the run before
# anything is built or timed instead of failing every run or silently
# selecting another mode.

# setting_flag NAME DEFAULT: NAME becomes 1 or 0 from its usual spellings
# (1 y yes true on / 0 n no false off, any case; empty or unset: DEFAULT).
setting_flag() {
  local v=${!1:-$2}
  case ${v,,} in
    1 | y | yes | true | on) printf -v "$1" 1 ;;
    0 | n | no | false | off) printf -v "$1" 0 ;;
    *) die "$1='${!1}' is not a yes/no value: use 1, y, yes, true, on or 0, n, no, false, off" ;;
  esac
}

# setting_int NAME MIN MAX [WHY]: NAME must be a decimal integer in
# MIN..MAX (checked on its digits first, so that no value overflows the
# shell's arithmetic); WHY explains the bound in the message.
setting_int() {
  local v=${!1}
  if ! [[ $v =~ ^[0-9]{1,9}$ ]] || ((10#$v < $2 || 10#$v > $3)); then
    die "$1='$v' must be an integer from $2 to $3${4:+ ($4)}"
  fi
  printf -v "$1" %d $((10#$v))
}

# setting_regex NAME: NAME (a CASES pattern) must be a valid extended
# regular expression (bash's [[ =~ ]], which add_case uses).
setting_regex() {
  local rc=0
  # shellcheck disable=SC2319  # the status of [[ ]] itself: 2 = bad pattern
  [[ "" =~ ${!1} ]] || rc=$?
  [ "$rc" != 2 ] || die "$1='${!1}' is not a valid extended regular expression (grep -E syntax)"
}

# setting_python: PY becomes the interpreter of the py_dict workload
# ($PYTHON, default python3), resolved to the executable itself (pyenv
# shims are scripts), or "" with the reason in PYWHY when it does not run.
# A PYTHON that was given must run; the default may be missing (py_dict
# is then skipped).
setting_python() {
  local err rc=0
  err=$(mktemp)
  PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)' 2>"$err") || rc=$?
  [ "$rc" = 0 ] || PY=""
  PYWHY=""
  if [ -z "$PY" ]; then
    if ! command -v "${PYTHON:-python3}" >/dev/null && ! command -v "${PYTHON%% *}" >/dev/null; then
      PYWHY="${PYTHON:-python3} not found"
    else
      PYWHY="${PYTHON:-python3} did not run (exit status $rc$(head -c 200 "$err" | tr '\n' ' ' | sed 's/^./: &/'))"
    fi
  fi
  rm -f "$err"
  [ -z "$PYWHY" ] || [ -z "${PYTHON:-}" ] || die "PYTHON='$PYTHON': $PYWHY"
}

# The bounds, and why (read by the scripts that source this file):
# RUNS: beyond 1000 counted runs a cell takes hours and tells no more.
SETTING_RUNS_MAX=1000
# THREADS: the multi-threaded workloads are sized for a few threads per
# CPU; 256 is far beyond any CPU count they are meant for (100000 threads
# only run into RUN_TIMEOUT).
SETTING_THREADS_MAX=256
# RUN_TIMEOUT: seconds, 1 to a day; 0 (timeout's "no limit") is refused,
# as a run that hangs would then hang the suite.
SETTING_TIMEOUT_MAX=86400
