#include "doctor/checks.h"

#if defined(Q_OS_LINUX)
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVariant>
#include <xcb/xcb.h>
#endif

#include <cstdlib>
#include <memory>

namespace keyward::doctor_checks {

namespace {

const QString kName = QString::fromLatin1(kTrayHost);

const QString kNoHostFix = QStringLiteral(
    "Keyward works without one: `keyward` then shows a small window with the same controls. To get the tray "
    "icon on GNOME, install and enable the AppIndicator extension (`sudo apt install "
    "gnome-shell-extension-appindicator`, then enable it in Extensions and log in again); other desktops (KDE, "
    "Xfce, Cinnamon, MATE) have a tray host built in");

} // namespace

#if defined(Q_OS_LINUX)

namespace {

// A StatusNotifierItem host (KDE, GNOME's AppIndicator extension, waybar...) registered with the
// watcher on the session bus; empty when there is none.
QString statusNotifierHost(std::chrono::milliseconds callTimeout)
{
    if (!sessionBus().ok) // never autolaunch a bus (X11 autolaunch would start one)
        return {};
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return {};
    const QString watcher = QStringLiteral("org.kde.StatusNotifierWatcher");
    QDBusMessage call = QDBusMessage::createMethodCall(watcher, QStringLiteral("/StatusNotifierWatcher"),
                                                       QStringLiteral("org.freedesktop.DBus.Properties"),
                                                       QStringLiteral("Get"))
        << watcher << QStringLiteral("IsStatusNotifierHostRegistered");
    const QDBusMessage reply = bus.call(call, QDBus::Block, int(callTimeout.count()));
    if (reply.type() != QDBusMessage::ReplyMessage)
        return {};
    if (!qvariant_cast<QDBusVariant>(reply.arguments().value(0)).variant().toBool())
        return {};
    return QStringLiteral("a StatusNotifierItem host (%1) on the session bus").arg(watcher);
}

// The owner of the X11 system tray selection (_NET_SYSTEM_TRAY_S<screen>, the XEmbed tray of the
// freedesktop System Tray spec) on $DISPLAY; empty when there is none or no X display answers.
QString xembedTray()
{
    if (qEnvironmentVariableIsEmpty("DISPLAY"))
        return {};
    int screen = 0;
    xcb_connection_t *raw = xcb_connect(nullptr, &screen);
    const std::unique_ptr<xcb_connection_t, void (*)(xcb_connection_t *)> connection(raw, xcb_disconnect);
    if (!raw || xcb_connection_has_error(raw))
        return {};
    const QByteArray atomName = "_NET_SYSTEM_TRAY_S" + QByteArray::number(screen);
    const xcb_intern_atom_cookie_t atomCookie = xcb_intern_atom(raw, 1, uint16_t(atomName.size()), atomName.constData());
    const std::unique_ptr<xcb_intern_atom_reply_t, void (*)(void *)> atom(xcb_intern_atom_reply(raw, atomCookie, nullptr),
                                                                          std::free);
    if (!atom || atom->atom == XCB_ATOM_NONE)
        return {};
    const xcb_get_selection_owner_cookie_t ownerCookie = xcb_get_selection_owner(raw, atom->atom);
    const std::unique_ptr<xcb_get_selection_owner_reply_t, void (*)(void *)> owner(
        xcb_get_selection_owner_reply(raw, ownerCookie, nullptr), std::free);
    if (!owner || owner->owner == XCB_WINDOW_NONE)
        return {};
    return QStringLiteral("an XEmbed system tray on display %1").arg(qEnvironmentVariable("DISPLAY"));
}

} // namespace

DoctorCheck trayHost(std::chrono::milliseconds callTimeout)
{
    const bool wayland = !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
    const bool x11 = !qEnvironmentVariableIsEmpty("DISPLAY");
    if (!wayland && !x11) {
        return DoctorCheck::pass(kName, QStringLiteral("not needed: no display (neither DISPLAY nor WAYLAND_DISPLAY is "
                                                       "set), so Keyward runs headless as `keyward serve`"));
    }
    QString host = statusNotifierHost(callTimeout);
    if (host.isEmpty())
        host = xembedTray();
    if (!host.isEmpty())
        return DoctorCheck::pass(kName, QStringLiteral("the tray icon has a host: %1").arg(host));
    return DoctorCheck::fail(kName,
                             QStringLiteral("there is a display but no tray host (no StatusNotifierItem host on the "
                                            "session bus%1), so the tray icon cannot be shown")
                                 .arg(x11 ? QStringLiteral(" and no XEmbed tray on display %1").arg(qEnvironmentVariable("DISPLAY"))
                                          : QString()),
                             kNoHostFix);
}

#else

DoctorCheck trayHost(std::chrono::milliseconds)
{
    return DoctorCheck::pass(kName, QStringLiteral("the system provides the tray (menu bar or notification area)"));
}

#endif

} // namespace keyward::doctor_checks
