#include "corestack.h"

#include "core/logging.h"

#include <QNetworkProxyFactory>

namespace keyward::app {

CoreStack::CoreStack(const KeywardHome &home)
    : m_config(home.configFile()),
      m_kills(home.stateFile()),
      m_audit(home.auditDatabase()),
      m_keychain(home.keychainServiceName()),
      m_secrets(m_keychain),
      m_upstream(m_network),
      m_executor(m_config, m_kills, m_secrets, m_upstream, m_audit),
      m_retention(m_audit, [this] { return m_config.config().settings.retentionDays; })
{
}

Result<std::unique_ptr<CoreStack>> CoreStack::create(const KeywardHome &home)
{
    QNetworkProxyFactory::setUseSystemConfiguration(true);
    std::unique_ptr<CoreStack> stack(new CoreStack(home));
    if (const auto loaded = stack->m_config.load(); !loaded)
        return Error{loaded.error().code, QStringLiteral("%1: %2").arg(home.configFile(), loaded.error().message)};
    if (const auto opened = stack->m_audit.open(); !opened)
        return opened.error();
    // Fails safe (logged by KillState): an unreadable state.json refuses every call until it is fixed.
    (void)stack->m_kills.load();

    QObject::connect(&stack->m_config, &ConfigStore::invalid, [](const Error &error) {
        keyward::logger("core.config")->error("config.json is invalid, the last good config stays in force: {}",
                                              error.message.toStdString());
    });
    // A changed config may have removed or re-pointed a service: read its secret afresh.
    SecretCache *secrets = &stack->m_secrets;
    QObject::connect(&stack->m_config, &ConfigStore::changed, secrets, [secrets] { secrets->dropAll(); });
    QObject::connect(&stack->m_retention, &RetentionScheduler::failed, [](const Error &error) {
        keyward::logger("core.audit")->error("audit retention failed, retrying later: {}", error.message.toStdString());
    });
    stack->m_retention.start();
    return stack;
}

} // namespace keyward::app
