# macOS: Keyward.app, a bundle whose Info.plist (installers/macos/Info.plist.in) sets LSUIElement
# (a menu-bar app without a Dock icon) and the bundle id io.github.keyward.Keyward, with Qt and
# the other libraries deployed into it by macdeployqt, packed by CPack's DragNDrop generator as a
# disk image with a link to /Applications.
# Not built or run on the machines this project is developed on (Debian 12): see README,
# "Packaging".
#
#   cmake -S . -B build-macos -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYWARD_BUILD_TESTS=OFF
#   cmake --build build-macos --target keyward && cpack --config build-macos/CPackConfig.cmake

set(keyward_icns ${PROJECT_BINARY_DIR}/packaging/Keyward.icns)
set(keyward_iconset ${PROJECT_BINARY_DIR}/packaging/Keyward.iconset)
set(keyward_hicolor ${PROJECT_SOURCE_DIR}/resources/icons/hicolor)
# iconutil's names for the committed hicolor PNGs (the 512 px sizes are left out: iconutil
# accepts an incomplete set).
set(keyward_iconset_pngs
  16x16/apps:icon_16x16.png 16x16@2/apps:icon_16x16@2x.png
  32x32/apps:icon_32x32.png 32x32@2/apps:icon_32x32@2x.png
  128x128/apps:icon_128x128.png 128x128@2/apps:icon_128x128@2x.png
  256x256/apps:icon_256x256.png)
set(keyward_iconset_commands COMMAND ${CMAKE_COMMAND} -E make_directory ${keyward_iconset})
set(keyward_iconset_sources "")
foreach(pair IN LISTS keyward_iconset_pngs)
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 dir)
  list(GET pair 1 name)
  list(APPEND keyward_iconset_commands
    COMMAND ${CMAKE_COMMAND} -E copy ${keyward_hicolor}/${dir}/${KEYWARD_APP_ID}.png ${keyward_iconset}/${name})
  list(APPEND keyward_iconset_sources ${keyward_hicolor}/${dir}/${KEYWARD_APP_ID}.png)
endforeach()
add_custom_command(OUTPUT ${keyward_icns}
  ${keyward_iconset_commands}
  COMMAND iconutil --convert icns --output ${keyward_icns} ${keyward_iconset}
  DEPENDS ${keyward_iconset_sources}
  COMMENT "Making Keyward.icns from the hicolor PNGs")
target_sources(keyward PRIVATE ${keyward_icns})
set_source_files_properties(${keyward_icns} PROPERTIES MACOSX_PACKAGE_LOCATION Resources)

set_target_properties(keyward PROPERTIES
  MACOSX_BUNDLE TRUE
  OUTPUT_NAME Keyward
  MACOSX_BUNDLE_INFO_PLIST ${CMAKE_CURRENT_LIST_DIR}/Info.plist.in
  MACOSX_BUNDLE_GUI_IDENTIFIER ${KEYWARD_APP_ID}
  MACOSX_BUNDLE_BUNDLE_NAME Keyward
  MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
  MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
  MACOSX_BUNDLE_ICON_FILE Keyward.icns
  MACOSX_BUNDLE_COPYRIGHT "Copyright 2026 Keyward developers. All rights reserved.")

# macdeployqt copies the Qt frameworks and plugins (SQLite driver, SVG icon engine, cocoa
# platform) and the other libraries (QtKeychain, libsodium, spdlog) into the bundle.
# qt_generate_deploy_app_script takes OUTPUT_SCRIPT from Qt 6.5 on, FILENAME_VARIABLE before.
if(Qt6_VERSION VERSION_GREATER_EQUAL 6.5)
  qt_generate_deploy_app_script(TARGET keyward OUTPUT_SCRIPT keyward_deploy_script)
else()
  qt_generate_deploy_app_script(TARGET keyward FILENAME_VARIABLE keyward_deploy_script)
endif()
install(SCRIPT ${keyward_deploy_script})

set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME Keyward)
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_FILE_NAME Keyward-${PROJECT_VERSION}-macOS)
