#include "secrets/keychainadvice.h"

#include <QDir>
#include <QFileInfo>

namespace keyward {

namespace keychain_advice {

KeychainAdvice noSessionBus()
{
    return {QStringLiteral("no D-Bus session, so the Secret Service keychain cannot be reached"),
            QStringLiteral("run Keyward inside your desktop session, or on a server start one with "
                           "`dbus-run-session -- sh -c 'echo -n PASSWORD | gnome-keyring-daemon --unlock "
                           "--components=secrets; keyward ...'`")};
}

KeychainAdvice noSecretService()
{
    return {QStringLiteral("no keychain backend (Secret Service) is available"),
            QStringLiteral("install gnome-keyring (`sudo apt install gnome-keyring`) or another Secret Service "
                           "provider such as KeePassXC, and make sure it runs in your session (on a server: "
                           "`echo -n PASSWORD | gnome-keyring-daemon --unlock --components=secrets`)")};
}

KeychainAdvice lockedOrDenied()
{
#if defined(Q_OS_MACOS)
    return {QStringLiteral("the keychain is locked or refused access"),
            QStringLiteral("unlock the login keychain in Keychain Access and allow Keyward when asked, then try "
                           "again")};
#elif defined(Q_OS_WIN)
    return {QStringLiteral("the Windows Credential Manager refused access"),
            QStringLiteral("log in to your Windows account (not a service account) and try again")};
#else
    return {QStringLiteral("the keychain is locked or refused access"),
            QStringLiteral("unlock it (log in to the desktop, unlock the login keyring in Seahorse, or on a server "
                           "run `echo -n PASSWORD | gnome-keyring-daemon --replace --unlock --components=secrets`) "
                           "and allow Keyward when asked, then try again")};
#endif
}

KeychainAdvice timedOut(std::chrono::milliseconds timeout)
{
    return {QStringLiteral("the keychain did not answer within %1; it may be locked and waiting for a password")
                .arg(formatSeconds(timeout)),
#if defined(Q_OS_LINUX)
            QStringLiteral("unlock it (e.g. log in to the desktop, or run `gnome-keyring-daemon --unlock`) and try "
                           "again")
#else
            QStringLiteral("unlock it (answer the keychain's password prompt) and try again")
#endif
    };
}

QString formatSeconds(std::chrono::milliseconds timeout)
{
    const auto ms = timeout.count();
    if (ms % 1000 == 0)
        return QStringLiteral("%1 s").arg(ms / 1000);
    return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'g', 3);
}

} // namespace keychain_advice

bool sessionBusDiscoverable()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD) || defined(Q_OS_OPENBSD) || defined(Q_OS_NETBSD)
    if (!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return true;
    const QString runtimeDir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !runtimeDir.isEmpty() && QFileInfo::exists(QDir(runtimeDir).filePath(QStringLiteral("bus")));
#else
    return true;
#endif
}

} // namespace keyward
