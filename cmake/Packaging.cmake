# The Debian package: `cmake --workflow --preset package` writes
# build/package/loadgen_<version>_amd64.deb. It holds loadgen and refserver in /usr/bin (so a
# scenario's ${bin} finds refserver beside loadgen), the scenarios in /usr/share/loadgen and the
# docs in /usr/share/doc/loadgen; its Depends come from the binaries themselves (shlibdeps), so
# `apt-get install ./loadgen_*.deb` on a bare Debian 12 pulls in exactly the runtime libraries.

install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/loadgen/scenarios
  FILES_MATCHING PATTERN "*.yaml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/ci.md
              ${PROJECT_SOURCE_DIR}/docs/scenario-format.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loadgen)
set(CPACK_PACKAGE_VENDOR "loadgen developers")
set(CPACK_PACKAGE_CONTACT "loadgen developers <loadgen@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Scenario-driven HTTP load generator with HDR latency histograms and SLO gates")
set(CPACK_PACKAGE_DESCRIPTION
  "loadgen runs ramp, spike and soak scenarios against an HTTP API without coordinated omission, records latency in HDR histograms, checks declared SLOs and baselines so a CI job can gate on its exit code, and writes JSON, HTML, JUnit, Markdown and HdrHistogram log reports. The package includes refserver, the reference server its example scenarios run against.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)               # loadgen_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)                # Depends from dpkg-shlibdeps
# Optional helpers the docs name: perf for target profiles, xdg-open for `report --open`.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "linux-perf, xdg-utils")
include(CPack)
