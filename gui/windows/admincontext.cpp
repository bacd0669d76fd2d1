#include "windows/admincontext.h"

namespace keyward::gui {

admin::ServiceAdmin AdminContext::makeAdmin() const
{
    SecretStore *secrets = &store;
    admin::ServiceAdmin::Hooks hooks;
    hooks.changed = afterChange;
    return admin::ServiceAdmin(home, admin::AdminActor::tray(),
                               [secrets](const Config &) -> Result<SecretStore *> { return secrets; }, std::move(hooks));
}

} // namespace keyward::gui
