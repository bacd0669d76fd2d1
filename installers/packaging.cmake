# Packaging: install rules for what a desktop app ships beside its binary, and CPack, with one
# file per OS (installers/linux, installers/macos, installers/windows) included only on that OS.
# installers/package.sh builds a Release tree and runs cpack; the tst_deb_package test runs cpack
# on the test build. Only the `keyward` binary and these files are installed: never a test,
# fuzzer or benchmark.

set(CPACK_PACKAGE_NAME keyward)
set(CPACK_PACKAGE_VENDOR "Keyward developers")
set(CPACK_PACKAGE_CONTACT "Keyward maintainers <maintainers@users.noreply.r-seed-75c48818.example>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "MCP gate that keeps API keys away from AI agents")
# Lines of at most 80 characters (Debian's extended description).
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "Keyward stands between AI agents and the APIs they call. Agents speak the"
  "Model Context Protocol (MCP) to Keyward; Keyward keeps the real API keys in"
  "the OS keychain, checks every request against the user's policy (methods,"
  "paths, rates, schedules, approvals), injects the key, calls the API over"
  "verified TLS and hands back only the response, with reflected copies of the"
  "key redacted. Every call and change goes to a tamper-evident audit log, and a"
  "tray icon holds a kill switch that stops every agent at once.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY Keyward)
set(CPACK_STRIP_FILES TRUE)
# The release date of PROJECT_VERSION (manual page header, AppStream release).
set(KEYWARD_RELEASE_DATE 2026-11-26)

if(APPLE)
  include(${CMAKE_CURRENT_LIST_DIR}/macos/package.cmake)
elseif(WIN32)
  include(${CMAKE_CURRENT_LIST_DIR}/windows/package.cmake)
else()
  include(${CMAKE_CURRENT_LIST_DIR}/linux/package.cmake)
endif()

include(CPack)
