# ctest config.cli: `shelltrail config show` prints `(origin) key = value` rows and exits 64 on a
# configuration error; `config --help` lists the keys.
# cmake -DSHELLTRAIL=<binary> -DWORK=<empty directory> -P cli_check.cmake
function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected to match '${regex}', got:\n${text}")
  endif()
endfunction()

# A home of our own, so that the user file and the spool default do not depend on who runs this.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/config/shelltrail")
file(WRITE "${WORK}/config/shelltrail/shelltrail.toml" "compact_level = 3\n")
set(ENV{HOME} "${WORK}")
set(ENV{XDG_CONFIG_HOME} "${WORK}/config")
unset(ENV{XDG_DATA_HOME})
set(ENV{SHELLTRAIL_NOTICE} "hello")

execute_process(COMMAND "${SHELLTRAIL}" config show --set chunk_interval_ms=300
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "config show exited with ${status}: ${err}")
endif()
expect_match("${out}" "(^|\n)\\(default\\) spool = ${WORK}/\\.local/share/shelltrail/spool\n" "show")
expect_match("${out}" "\n\\(user file ${WORK}/config/shelltrail/shelltrail\\.toml\\) compact_level = 3\n" "show")
expect_match("${out}" "\n\\(environment\\) notice = hello\n" "show")
expect_match("${out}" "\n\\(command line\\) chunk_interval_ms = 300\n" "show")
expect_match("${out}" "\n\\(default\\) chunk_bytes = 64KiB\n" "show")

execute_process(COMMAND "${SHELLTRAIL}" config show --json
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
string(JSON origin GET "${out}" 0 origin)
string(JSON key GET "${out}" 0 key)
if(NOT status EQUAL 0 OR NOT key STREQUAL "spool" OR NOT origin STREQUAL "default")
  message(FATAL_ERROR "config show --json: status ${status}, first row ${key} ${origin}:\n${out}")
endif()

# System mode refuses keys that weaken recording from the command line.
execute_process(COMMAND "${SHELLTRAIL}" config show --system --set record_input=false
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 64)
  message(FATAL_ERROR "config show --system --set record_input=false exited ${status}, not 64")
endif()
expect_match("${err}" "^shelltrail: error: [^\n]*record_input may not be set from the command line in system mode" "stderr")

execute_process(COMMAND "${SHELLTRAIL}" config show --set chunk_bytes=10MB
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 64)
  message(FATAL_ERROR "config show --set chunk_bytes=10MB exited ${status}, not 64")
endif()
expect_match("${err}" "^shelltrail: error: --set chunk_bytes: '10MB': write sizes in bytes or binary units" "stderr")

execute_process(COMMAND "${SHELLTRAIL}" config --help
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
expect_match("${out}" "\n  syslog_facility = authpriv" "config --help")
file(REMOVE_RECURSE "${WORK}")
