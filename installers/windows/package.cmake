# Windows: an NSIS installer (CPack's NSIS generator) that installs keyward.exe with the Qt DLLs
# and plugins windeployqt deploys, adds a Start-menu entry, offers to put keyward on PATH (so MCP
# clients and terminals find `keyward mcp`), and registers an uninstaller in Apps & features that
# also removes the start-at-login value the app may have written.
# Not built or run on the machines this project is developed on (Debian 12): see README,
# "Packaging" (parts of the code are POSIX-only so far).
#
#   cmake -S . -B build-windows -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_BUILD_TESTS=OFF
#   cmake --build build-windows --config RelWithDebInfo --target keyward
#   cpack --config build-windows/CPackConfig.cmake -C RelWithDebInfo

set(keyward_ico ${PROJECT_SOURCE_DIR}/resources/icons/keyward.ico)
configure_file(${CMAKE_CURRENT_LIST_DIR}/keyward.rc.in ${PROJECT_BINARY_DIR}/packaging/keyward.rc @ONLY)
target_sources(keyward PRIVATE ${PROJECT_BINARY_DIR}/packaging/keyward.rc)

# windeployqt copies the Qt DLLs and plugins (SQLite driver, SVG icon engine, windows platform).
# qt_generate_deploy_app_script takes OUTPUT_SCRIPT from Qt 6.5 on, FILENAME_VARIABLE before.
if(Qt6_VERSION VERSION_GREATER_EQUAL 6.5)
  qt_generate_deploy_app_script(TARGET keyward OUTPUT_SCRIPT keyward_deploy_script)
else()
  qt_generate_deploy_app_script(TARGET keyward FILENAME_VARIABLE keyward_deploy_script)
endif()
install(SCRIPT ${keyward_deploy_script})

set(CPACK_GENERATOR NSIS)
set(CPACK_PACKAGE_FILE_NAME Keyward-${PROJECT_VERSION}-win64)
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY Keyward)
# Start-menu entry "Keyward" for bin\keyward.exe (the tray app).
set(CPACK_PACKAGE_EXECUTABLES keyward Keyward)
set(CPACK_NSIS_DISPLAY_NAME Keyward)
set(CPACK_NSIS_PACKAGE_NAME Keyward)
set(CPACK_NSIS_INSTALLED_ICON_NAME bin\\\\keyward.exe)
set(CPACK_NSIS_MUI_ICON ${keyward_ico})
set(CPACK_NSIS_MUI_UNIICON ${keyward_ico})
set(CPACK_NSIS_MODIFY_PATH ON)
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
# The HKCU Run value of platform/autostart_windows.cpp would outlive the program it starts.
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS
    "DeleteRegValue HKCU 'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' 'io.github.keyward.Keyward'")
