# loadgen_unit_test(NAME SOURCES a.cpp b.cpp LIBS lib... [LABELS extra])
# A GoogleTest executable whose tests CTest discovers one by one, labelled "unit", or
# "unit-<extra>" with an extra label such as concurrency or integration.
function(loadgen_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock loadgen_warnings)
  target_compile_definitions(${name} PRIVATE LOADGEN_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  # gtest_discover_tests flattens its PROPERTIES list, so a test gets one label: "unit-concurrency"
  # rather than "unit;concurrency". ctest -L takes a regex, so -L unit and -L concurrency both
  # still select it.
  set(label unit)
  if(T_LABELS)
    list(JOIN T_LABELS "-" extra)
    set(label "unit-${extra}")
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS ${label} TIMEOUT 120 DISCOVERY_TIMEOUT 60)
  if("concurrency" IN_LIST T_LABELS)
    set_property(GLOBAL APPEND PROPERTY LOADGEN_CONCURRENCY_TESTS ${name})
  endif()
endfunction()

# After every test is defined: one target that builds only the concurrency tests, so the
# ThreadSanitizer job compiles what it runs and nothing else.
function(loadgen_add_concurrency_target)
  get_property(tests GLOBAL PROPERTY LOADGEN_CONCURRENCY_TESTS)
  add_custom_target(concurrency_tests DEPENDS ${tests})
endfunction()
