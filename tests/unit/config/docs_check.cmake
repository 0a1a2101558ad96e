# ctest config.docs_up_to_date: docs/config.md is generated from the option table and committed;
# fail, saying how to regenerate it, when it differs from `shelltrail config markdown`.
# cmake -DSHELLTRAIL=<binary> -DDOC=<docs/config.md> -P docs_check.cmake
execute_process(COMMAND "${SHELLTRAIL}" config markdown
                OUTPUT_VARIABLE generated RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "`shelltrail config markdown` exited with ${status}")
endif()
file(READ "${DOC}" committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "${DOC} differs from `shelltrail config markdown` (the option table in "
                      "src/config/option_table.cpp changed). Regenerate it and review the diff:\n"
                      "  ${SHELLTRAIL} config markdown > ${DOC}")
endif()
