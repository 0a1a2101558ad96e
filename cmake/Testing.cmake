# Test helpers: st_add_unit_test(folder sources... LIBS ...) and st_add_e2e_test(name script).
# Exit code 77 means "skipped"; with ST_NO_SKIP=1 in the environment (CI) a skip is a failure.
function(st_add_unit_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE st_settings st_warnings st_test_support ${arg_LIBS}
                        GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT "ST_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()

function(st_add_e2e_test name script)
  set(sanitized 0)
  if(ST_SANITIZE)
    set(sanitized 1)
  endif()
  if(script MATCHES "\\.py$")
    # Debian's python3 (a python3 first on PATH may be a slow pyenv shim).
    find_program(ST_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
    find_program(ST_PYTHON3 NAMES python3)
    add_test(NAME e2e.${name} COMMAND "${ST_PYTHON3}" -B "${script}")
  else()
    add_test(NAME e2e.${name} COMMAND bash "${script}")
  endif()
  set_tests_properties(e2e.${name} PROPERTIES
    SKIP_RETURN_CODE 77
    ENVIRONMENT "SHELLTRAIL=$<TARGET_FILE:shelltrail>;ST_SOURCE_DIR=${PROJECT_SOURCE_DIR};ST_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data;ST_SANITIZED=${sanitized};PYTHONPATH=${PROJECT_SOURCE_DIR}/tests/e2e/lib"
    ${ARGN})
endfunction()
