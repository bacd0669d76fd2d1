#include "tray/trayicons.h"

#include <QString>

namespace keyward::gui {

QIcon trayIcon(TrayState state)
{
    switch (state) {
    case TrayState::Active: return QIcon(QStringLiteral(":/keyward/icons/tray/active.svg"));
    case TrayState::Killed: return QIcon(QStringLiteral(":/keyward/icons/tray/killed.svg"));
    case TrayState::Alert: return QIcon(QStringLiteral(":/keyward/icons/tray/alert.svg"));
    }
    return {};
}

QIcon applicationIcon()
{
    return QIcon(QStringLiteral(":/keyward/icons/keyward.svg"));
}

} // namespace keyward::gui
