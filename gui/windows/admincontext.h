#pragma once

#include "admin/serviceadmin.h"
#include "core/keywardhome.h"

#include <functional>

class QNetworkAccessManager;

namespace keyward {
class AuditLog;
class ConfigStore;
class KillState;
class SecretStore;
} // namespace keyward

namespace keyward::gui {

// What the tray's admin windows (service wizard, services window) work on: the owner's own config
// and kill switches (followed live), its audit log, secret store and network manager, and what to
// do after each change. Everything referenced must outlive the presenters given this context.
struct AdminContext {
    KeywardHome home;
    ConfigStore &config;
    KillState &kills;
    AuditLog &audit;
    SecretStore &store;
    QNetworkAccessManager &network;
    // After a change was saved and recorded. In the owner: reload its ConfigStore and KillState and
    // drop its cached secrets, as the owner's "reload" op does for the command line.
    std::function<void()> afterChange;

    // The ServiceAdmin of the tray (agent "tray", client keyward-tray) over this context.
    admin::ServiceAdmin makeAdmin() const;
};

} // namespace keyward::gui
