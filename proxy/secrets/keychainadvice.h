#pragma once

#include <QString>

#include <chrono>

namespace keyward {

// What went wrong with the OS keychain and what the user can do about it. Shared by KeychainStore
// (whose error messages are `sentence()`) and by `keyward doctor` (which shows problem and fix
// apart), so both say the same thing.
struct KeychainAdvice {
    QString problem;
    QString fix;

    // "problem: fix" — the first ": " separates the two.
    QString sentence() const { return problem + QStringLiteral(": ") + fix; }
};

namespace keychain_advice {

// No D-Bus session, so the Secret Service cannot be reached.
KeychainAdvice noSessionBus();
// Nothing provides the Secret Service (org.freedesktop.secrets) in this session.
KeychainAdvice noSecretService();
// The keychain is locked, or refused access.
KeychainAdvice lockedOrDenied();
// The keychain did not answer within `timeout` (a locked keychain may be waiting on a prompt).
KeychainAdvice timedOut(std::chrono::milliseconds timeout);

// "10 s", "0.5 s": a timeout as users read it.
QString formatSeconds(std::chrono::milliseconds timeout);

} // namespace keychain_advice

// Whether a D-Bus session bus can be found without autolaunching one (which can hang): true when
// DBUS_SESSION_BUS_ADDRESS is set or $XDG_RUNTIME_DIR/bus exists. Always true on systems whose
// keychain is not reached over D-Bus (macOS, Windows).
bool sessionBusDiscoverable();

} // namespace keyward
