#pragma once

#include <QStringList>

namespace keyward::app {

// `keyward` with no arguments: the tray app, which is the owner of its home (DESIGN.md "Processes"
// and "GUI"). A background owner (`keyward serve`, as `keyward mcp` starts it) is asked to stop
// and the tray takes over within 10 s (bridges reconnect on their own). Where a tray app already
// runs, it is asked to show its services window and this one exits 0 (single instance); an owner
// that does not stop makes it exit 1 naming that process's pid. Prints the owner's ready line on
// stdout, shows the tray icon (or the window without a tray host) and runs until Quit, SIGTERM,
// SIGINT or SIGHUP. Requires a QApplication. Returns the exit code.
int runTray(const QStringList &args);

// `keyward --show services|audit|alerts|clients|settings` (DESIGN.md "CLI"): asks the running tray
// app of this home to open or raise that window (admin op "show"). Exit 0 when shown; 1 when no
// owner runs, when the owner is `keyward serve` (the tray app is not running) or the window is not
// available; 2 for a missing or unknown name (the message lists the names). `args` are the
// arguments after the program name, starting with --show (or --show=NAME).
int runShowWindow(const QStringList &args);

} // namespace keyward::app
