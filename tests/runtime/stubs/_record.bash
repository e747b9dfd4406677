# Sourced by the stubs: appends the stub's command line to $STUB_STATE/commands, one line per
# call, arguments quoted only when they hold blanks (or are empty), so tests compare exact text.
record() {
  local out=$1 arg
  shift
  for arg in "$@"; do
    if [[ -z $arg || $arg =~ [[:space:]] ]]; then out+=" '$arg'"; else out+=" $arg"; fi
  done
  printf '%s\n' "$out" >>"$STUB_STATE/${RECORD_FILE:-commands}"
}

# key REF: a file name for an image reference in the stub's image store.
key() {
  printf '%s' "$1" | tr '/:@' '%+='
}
