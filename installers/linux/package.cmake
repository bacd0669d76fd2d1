# Linux: the freedesktop files (desktop entry, AppStream metainfo, hicolor icons), the manual
# page, bash completion and Debian's copyright and changelog, and the CPack DEB generator.
# Destinations are relative to CPACK_PACKAGING_INSTALL_PREFIX (/usr).

set(keyward_resources ${PROJECT_SOURCE_DIR}/resources)
set(keyward_staged ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${keyward_staged})

# Compressed once at configure time (gzip -9n: no name or time stamp, as Debian policy asks), and
# again whenever the source changes.
function(keyward_gzip source target)
  execute_process(COMMAND gzip -9n -c ${source} OUTPUT_FILE ${target} RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "gzip -9n ${source} failed")
  endif()
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source})
endfunction()

configure_file(${CMAKE_CURRENT_LIST_DIR}/keyward.1.in ${keyward_staged}/keyward.1 @ONLY)
keyward_gzip(${keyward_staged}/keyward.1 ${keyward_staged}/keyward.1.gz)
keyward_gzip(${CMAKE_CURRENT_LIST_DIR}/changelog.Debian ${keyward_staged}/changelog.Debian.gz)

install(FILES ${keyward_resources}/${KEYWARD_APP_ID}.desktop DESTINATION share/applications)
install(FILES ${keyward_resources}/${KEYWARD_APP_ID}.metainfo.xml DESTINATION share/metainfo)
install(DIRECTORY ${keyward_resources}/icons/hicolor DESTINATION share/icons
        FILES_MATCHING PATTERN "${KEYWARD_APP_ID}.png" PATTERN "${KEYWARD_APP_ID}.svg")
install(FILES ${keyward_staged}/keyward.1.gz DESTINATION share/man/man1)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/keyward.bash-completion
        DESTINATION share/bash-completion/completions RENAME keyward)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright ${keyward_staged}/changelog.Debian.gz
        DESTINATION share/doc/keyward)

set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Libraries the binary links come from dpkg-shlibdeps; these are loaded at run time, so it cannot
# see them: Qt's SQLite driver (audit.db), Qt's SVG icon engine (tray and window icons), and
# libsecret, which QtKeychain opens to reach the Secret Service.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6, libsecret-1-0")
# A Secret Service provider holds the keys (the encrypted-file store is the headless fallback).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gnome-keyring | kwalletmanager")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lintian-overrides DESTINATION share/lintian/overrides RENAME keyward)

# Full RELRO for the packaged binary (lintian's hardening-no-bindnow): the GOT is read-only
# before main() runs.
target_link_options(keyward PRIVATE -Wl,-z,now)
