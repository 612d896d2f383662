#!/usr/bin/env bash
# The include layering of src/, checked by every build (the check_layering target of the top
# CMakeLists.txt): which of our layers a layer may include, and which layers may see a library.
# Prints `file:line: <layer> may not include <header> (<why>)` for each violation and exits 1.
# Usage: tests/support/check-layering.sh [SRC_DIR]   (default: the src/ of this checkout)
set -euo pipefail

# A file's layer is its directory under src/ (src/main.cpp: main). Our headers are included by
# their path from src/ ("storage/database.h"); the generated ones are "version.h" (layer version)
# and "embedded/files.h" (layer embedded: schema/, seeds/, web/ compiled in).
#
# layer            | may include, of ours                                           | why (printed)
read -r -d '' LAYERS <<'TABLE' || true
util               | util                                                           | util is the bottom layer: it knows nothing of ours
storage            | storage storage/sqlite storage/postgres util embedded          | storage sees util and the embedded schema; open_database.cpp picks the engine
storage/sqlite     | storage/sqlite storage util                                    | an engine sees the storage seam and util, never the other engine
storage/postgres   | storage/postgres storage util                                  | an engine sees the storage seam and util, never the other engine
domain             | domain storage util embedded                                   | the domain decides: it sees storage and util, never app, HTTP, the CLI, clients or an engine
app                | app domain storage storage/sqlite util                         | app sees the domain and below, never HTTP, the CLI or clients
clients            | clients domain storage util                                    | a client of another service hands the domain what it read: it sees nothing above the domain
http               | http app domain storage util embedded version                  | HTTP sees app and below, never the CLI, clients or an engine
cli                | cli clients http app domain storage storage/sqlite storage/postgres util version | the CLI wires everything together
main               | cli storage util version                                       | main runs a command: it sees the CLI and what the CLI throws
TABLE
# Libraries only some layers may see: the first row naming the header (a file name, or a directory
# ending in /) counts; a header no row names is free (the C++ library, POSIX, nlohmann/json).
#
# headers                                          | layers            | why (printed)
read -r -d '' LIBRARIES <<'TABLE' || true
SQLiteCpp/ sqlite3.h sqlite3ext.h                  | storage/sqlite    | SQLite is the SQLite engine's alone: src/storage/sqlite
libpq-fe.h libpq/ postgres_ext.h pg_config.h       | storage/postgres  | libpq is the PostgreSQL engine's alone: src/storage/postgres
httplib.h                                          | http clients      | an expensive header: the health probe and the clients of other services only
boost/program_options.hpp boost/program_options/   | cli               | the command line is the CLI's
boost/                                             | http              | Beast's parser is the HTTP front's
openssl/                                           | util domain http  | crypto is util's; besides, the domain's RS256 keys and HTTP's TLS
TABLE

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)/src}
[ -d "$src" ] || { echo "check-layering: no directory $src" >&2; exit 2; }
src=${src%/}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

declare -A allowed why
units=(embedded)
while IFS='|' read -r layer may reason; do
  layer=$(trim "$layer"); [ -n "$layer" ] || continue
  allowed[$layer]=" $(trim "$may") "
  why[$layer]=$(trim "$reason")
  units+=("$layer")
done <<<"$LAYERS"
# Longest first, so that "storage/sqlite/x.h" is storage/sqlite's, not storage's.
mapfile -t units < <(printf '%s\n' "${units[@]}" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-)

lib_headers=() lib_layers=() lib_whys=()
while IFS='|' read -r headers layers reason; do
  headers=$(trim "$headers"); [ -n "$headers" ] || continue
  lib_headers+=("$headers"); lib_layers+=(" $(trim "$layers") "); lib_whys+=("$(trim "$reason")")
done <<<"$LIBRARIES"

# Whether a row's headers name this header.
names_header() {
  local header=$1 name names
  read -ra names <<<"$2"
  for name in "${names[@]}"; do
    case $name in
      */) [[ $header == "$name"* ]] && return 0 ;;
      *) [ "$header" = "$name" ] && return 0 ;;
    esac
  done
  return 1
}
# The layer of a file under src/, in REPLY: its directory (src/main.cpp: main).
layer_of_file() {
  local rel=${1#"$src"/}
  case $rel in */*) REPLY=${rel%/*} ;; *) REPLY=main ;; esac
}
# The layer of one of our headers in REPLY, or "" for a library's.
layer_of_header() {
  local header=$1 unit
  REPLY=""
  if [ "$header" = version.h ]; then REPLY=version; return 0; fi
  for unit in "${units[@]}"; do
    if [[ $header == "$unit"/* ]]; then REPLY=$unit; return 0; fi
  done
  return 0
}

violations=0
report() { echo "$1"; violations=$((violations + 1)); }

files=0
declare -A file_layer
while IFS= read -r file; do
  files=$((files + 1))
  layer_of_file "$file"; layer=$REPLY
  file_layer[$file]=$layer
  [ -n "${allowed[$layer]+set}" ] ||
    report "$file:1: $layer has no row in the layer table (add one at the top of tests/support/check-layering.sh)"
done < <(find "$src" -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cc' -o -name '*.in' \) | sort)

includes=0
include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]+)[>"]'
while IFS= read -r hit; do
  file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
  [[ $text =~ $include_re ]] || continue
  includes=$((includes + 1))
  delim=${BASH_REMATCH[1]}; header=${BASH_REMATCH[2]}
  if [ "$delim" = '"' ]; then shown="\"$header\""; else shown="<$header>"; fi
  layer=${file_layer[$file]}
  [ -n "${allowed[$layer]+set}" ] || continue  # reported above
  layer_of_header "$header"; target=$REPLY
  if [ -n "$target" ]; then
    [[ ${allowed[$layer]} == *" $target "* ]] || report "$file:$line: $layer may not include $shown (${why[$layer]})"
  elif [ "$delim" = '"' ]; then
    report "$file:$line: $layer may not include $shown (our headers are included by their path from src/, e.g. \"storage/database.h\")"
  else
    for idx in "${!lib_headers[@]}"; do
      if names_header "$header" "${lib_headers[$idx]}"; then
        [[ ${lib_layers[$idx]} == *" $layer "* ]] || report "$file:$line: $layer may not include $shown (${lib_whys[$idx]})"
        break
      fi
    done
  fi
done < <(grep -rnE --include='*.h' --include='*.hpp' --include='*.cpp' --include='*.cc' --include='*.in' \
           '^[[:space:]]*#[[:space:]]*include' "$src" | sort -t: -k1,1 -k2,2n)

if [ "$violations" -gt 0 ]; then
  echo "check-layering: $violations include(s) cross the layers of $src (rules: tests/support/check-layering.sh)" >&2
  exit 1
fi
echo "check-layering: $files files, $includes includes under $src: every include keeps to its layer"
