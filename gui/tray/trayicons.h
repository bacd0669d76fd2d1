#pragma once

#include <QIcon>

namespace keyward::gui {

// What the tray icon shows: calls flow (Active), the kill switch is engaged (Killed), or there are
// unseen alerts (Alert). Each state has its own SVG so the difference shows in any theme.
enum class TrayState { Active, Killed, Alert };

// The icon of a state, from the compiled-in resources (keyward.qrc). Requires a QGuiApplication.
QIcon trayIcon(TrayState state);
// The application icon (hicolor `io.github.keyward.Keyward`).
QIcon applicationIcon();

} // namespace keyward::gui
