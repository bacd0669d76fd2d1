#pragma once

#include "doctor/doctor.h"

#include <QObject>

#include <chrono>
#include <functional>

namespace keyward::doctor_checks {

inline constexpr const char *kDbusSession = "dbus-session";
inline constexpr const char *kSecretService = "secret-service";
inline constexpr const char *kKeychain = "keychain";
inline constexpr const char *kHome = "home";
inline constexpr const char *kConfig = "config";
inline constexpr const char *kAudit = "audit";
inline constexpr const char *kOwner = "owner";
inline constexpr const char *kSecretFile = "secret-file";
inline constexpr const char *kTrayHost = "tray-host";
inline constexpr const char *kNotifications = "notifications";

// A session bus can be found and connected to. Never autolaunches one: without
// DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR/bus it fails without trying.
DoctorCheck sessionBus();

// Starts the secret-service check over the session bus, each call limited to `callTimeout`.
// `done` runs once, from the event loop. Returns the object that owns the pending calls: deleting
// it abandons the check (then `done` never runs).
QObject *startSecretService(std::chrono::milliseconds callTimeout, std::function<void(DoctorCheck)> done);

// The home (or default) directories and files are the user's own with modes 0700 / 0600.
DoctorCheck home(const KeywardHome &home);

// config.json is missing (fine) or passes the full schema (parseConfigText(), then
// configFromJson(): the error names the JSON pointer of the offending value).
DoctorCheck config(const KeywardHome &home);

// audit.db is missing or empty (fine: no audit yet), or opens read-only and its hash chain
// verifies (AuditLog::verify). A broken chain fails naming the first bad seq; a damaged file or
// one that is not a Keyward audit log fails with how to move it aside. Never writes the file.
DoctorCheck audit(const KeywardHome &home);

// The home's owner process: none running passes (bridges start one), a running one passes when
// it answers on its socket (its pid, socket, HTTP URL or off, MCP sessions), and one that holds
// the owner lock but does not answer fails with how to stop it.
DoctorCheck owner(const KeywardHome &home);
// The encrypted-file store (settings.secretStore "file"), checked instead of the keychain round
// trip: KEYWARD_PASSPHRASE_FILE, when set, is a usable passphrase file; secrets.kwv is missing
// (fine: created on the first secret, with a passphrase of at least 8 bytes) or is the user's own
// with mode 0600, has a header this build reads and, when the passphrase file is set, opens with
// it (one Argon2id derivation, about a second). Never writes anything.
DoctorCheck secretFile(const KeywardHome &home);

// Whether the tray icon has a host to show it: without a display it passes as not needed (Keyward
// runs headless); with one, a StatusNotifierItem host registered with org.kde.StatusNotifierWatcher
// on the session bus (one call, at most `callTimeout`) or the X11 system tray selection
// (_NET_SYSTEM_TRAY_S<screen>) having an owner passes; neither fails with how to get one (the tray
// app then shows its window instead). Other systems always have one.
DoctorCheck trayHost(std::chrono::milliseconds callTimeout);
// Whether desktop notifications can be shown: org.freedesktop.Notifications owned on the session
// bus (or activatable), each D-Bus call limited to `callTimeout`. Never fails: without one the
// message says that alerts are still stored and listed, and how to get notifications. Never
// autolaunches a bus.
DoctorCheck notificationService(std::chrono::milliseconds callTimeout);

// The fix sentence that points a machine without a reachable Secret Service at the
// encrypted-file store.
QString headlessChoice();

// `path` as a shell word (single-quoted when it holds anything but safe characters).
QString shellQuote(const QString &path);

} // namespace keyward::doctor_checks
