# Sourced by the bench scripts: a Loco SaaS starter, the closest Rust peer of a generated
# project, generated and signed in to the same way every time.
#
#   loco_starter DIR           generates the starter under DIR (with a fresh Cargo.lock) and
#                              prints the project's directory
#   loco_binary DIR            the name of the starter's server binary
#   loco_sign_in BASE PASSWORD registers a user on a running starter and prints its JWT
#   loco_env PORT DATABASE_URL the environment the starter is served with
#
# The loco CLI is installed once, pinned, into target/bench-tools.

LOCO_VERSION=1.2.0
loco_name=bench_loco

loco_cli() {
  local root=$repo/target/bench-tools
  if [[ ! -x $root/bin/loco ]] || [[ $("$root/bin/loco" --version) != *"$LOCO_VERSION"* ]]; then
    echo "bench: installing the loco CLI $LOCO_VERSION into $root" >&2
    cargo install --quiet --locked --root "$root" loco --version "$LOCO_VERSION" >&2
  fi
  echo "$root/bin/loco"
}

loco_starter() {
  local parent=$1 cli
  cli=$(loco_cli)
  mkdir -p "$parent"
  # `loco new` refuses to write inside a git repository unless told it may.
  (cd "$parent" && "$cli" new --name "$loco_name" --db postgres --bg async --assets none \
    --allow-in-git-repo --path . >/dev/null)
  # The starter ships no lock file: resolve one now, outside the timed build.
  (cd "$parent/$loco_name" && cargo generate-lockfile --quiet)
  echo "$parent/$loco_name"
}

loco_binary() { echo "$loco_name-cli"; }

# The starter's development settings with what would differ in production evened out: the
# pool as large as the generated projects' (10; the starter's default is 1), and logging at
# info, their default level (the starter's is debug).
loco_env() {
  printf '%s\n' LOCO_ENV=development "PORT=$1" BINDING=127.0.0.1 "DATABASE_URL=$2" \
    LOG_LEVEL=info DB_MAX_CONNECTIONS=10 DB_MIN_CONNECTIONS=1
}

loco_sign_in() {
  local base=$1 password=$2 body
  body=$(jq -cn --arg p "$password" '{name: "Bench", email: "bench@example.com", password: $p}')
  curl -fsS -H 'content-type: application/json' -d "$body" "$base/api/auth/register" >/dev/null
  curl -fsS -H 'content-type: application/json' -d "$body" "$base/api/auth/login" | jq -r .token
}
