#pragma once

#include "core/result.h"

#include <QString>

namespace keyward {

// Starting Keyward's tray app when the user logs in, through each OS's own per-user mechanism.
// One implementation per OS (autostart_linux.cpp, autostart_macos.cpp, autostart_windows.cpp),
// chosen by proxy/CMakeLists.txt:
//  - Linux and other XDG desktops: the entry
//    $XDG_CONFIG_HOME/autostart/io.github.keyward.Keyward.desktop ($HOME/.config when
//    XDG_CONFIG_HOME is unset or not absolute), with `X-GNOME-Autostart-enabled=true`;
//  - macOS: the LaunchAgent $HOME/Library/LaunchAgents/io.github.keyward.Keyward.plist (RunAtLoad);
//  - Windows: the value "io.github.keyward.Keyward" of
//    HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run.
// The entry starts `executable` with no arguments (the tray app). Only this entry is ever read or
// written: never another app's, never a system-wide one. Locations follow HOME and
// XDG_CONFIG_HOME at each call, so tests point them at a temporary directory.
// Errors have the code "autostart_error" and name the location and what to do.
class Autostart {
public:
    // `executable`: the absolute path of the keyward binary the entry starts, normally
    // QCoreApplication::applicationFilePath().
    explicit Autostart(QString executable);

    // Whether the entry exists and is switched on. An entry the desktop switched off is off
    // (Linux: `Hidden=true` or `X-GNOME-Autostart-enabled=false`; macOS: `Disabled` true).
    Result<bool> isEnabled() const;

    // Enabling writes the entry atomically (replacing an existing one, so it then starts
    // `executable` and is switched on); disabling removes it, and succeeds when there is none.
    // Refuses an `executable` that is not an absolute path or that holds a line break.
    Result<void> setEnabled(bool enabled) const;

    // Where the entry lives, for messages: a file path, or the registry key and value on Windows.
    QString location() const;

    const QString &executable() const { return m_executable; }

private:
    QString m_executable;
};

} // namespace keyward
