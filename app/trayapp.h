#pragma once

#include <QStringList>

namespace keyward::app {

// `keyward` with no arguments: the tray app, which is the owner of its home (DESIGN.md "Processes"
// and "GUI"). A background owner (`keyward serve`, as `keyward mcp` starts it) is asked to stop
// and the tray takes over within 10 s (bridges reconnect on their own); another tray, or an owner
// that does not stop, makes it exit 1 naming that process's pid. Prints the owner's ready line on
// stdout, shows the tray icon (or the window without a tray host) and runs until Quit, SIGTERM,
// SIGINT or SIGHUP. Requires a QApplication. Returns the exit code.
int runTray(const QStringList &args);

} // namespace keyward::app
