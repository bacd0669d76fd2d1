#include "state/killswitches.h"

#include <algorithm>

namespace keyward {

namespace {

void insertSorted(QStringList &list, const QString &name)
{
    const auto at = std::lower_bound(list.begin(), list.end(), name);
    if (at == list.end() || *at != name)
        list.insert(at, name);
}

} // namespace

QString KillTarget::rule() const
{
    switch (kind) {
    case Kind::All: return QStringLiteral("kill:all");
    case Kind::Service: return QStringLiteral("kill:service:") + name;
    case Kind::Agent: return QStringLiteral("kill:agent:") + name;
    }
    return {};
}

QString KillTarget::describe() const
{
    switch (kind) {
    case Kind::All: return QStringLiteral("every call");
    case Kind::Service: return QStringLiteral("the service `%1`").arg(name);
    case Kind::Agent: return QStringLiteral("the agent `%1`").arg(name);
    }
    return {};
}

QString KillTarget::resumeCommand() const
{
    switch (kind) {
    case Kind::All: return QStringLiteral("keyward resume");
    case Kind::Service: return QStringLiteral("keyward resume --service ") + name;
    case Kind::Agent: return QStringLiteral("keyward resume --agent ") + name;
    }
    return {};
}

bool KillSwitches::isKilled(const KillTarget &target) const
{
    switch (target.kind) {
    case KillTarget::Kind::All: return all;
    case KillTarget::Kind::Service: return services.contains(target.name);
    case KillTarget::Kind::Agent: return agents.contains(target.name);
    }
    return false;
}

std::optional<KillTarget> KillSwitches::switchFor(const QString &service, const QString &agent) const
{
    if (all)
        return KillTarget::all();
    if (!service.isEmpty() && services.contains(service))
        return KillTarget::service(service);
    if (!agent.isEmpty() && agents.contains(agent))
        return KillTarget::agent(agent);
    return std::nullopt;
}

std::optional<KillRefusal> KillSwitches::refusalFor(const QString &service, const QString &agent) const
{
    const auto target = switchFor(service, agent);
    if (!target)
        return std::nullopt;
    const QString stopped = target->kind == KillTarget::Kind::All
                                ? QStringLiteral("the kill switch stops every call through Keyward")
                                : QStringLiteral("the kill switch stops every call of %1").arg(target->describe());
    return KillRefusal{target->rule(),
                       stopped + QStringLiteral("; the user can lift it with `%1`").arg(target->resumeCommand())};
}

void KillSwitches::kill(const KillTarget &target)
{
    switch (target.kind) {
    case KillTarget::Kind::All: all = true; break;
    case KillTarget::Kind::Service: insertSorted(services, target.name); break;
    case KillTarget::Kind::Agent: insertSorted(agents, target.name); break;
    }
}

void KillSwitches::resume(const KillTarget &target)
{
    switch (target.kind) {
    case KillTarget::Kind::All: all = false; break;
    case KillTarget::Kind::Service: services.removeAll(target.name); break;
    case KillTarget::Kind::Agent: agents.removeAll(target.name); break;
    }
}

QList<KillTarget> KillSwitches::targets() const
{
    QList<KillTarget> out;
    if (all)
        out << KillTarget::all();
    for (const QString &service : services)
        out << KillTarget::service(service);
    for (const QString &agent : agents)
        out << KillTarget::agent(agent);
    return out;
}

QString KillSwitches::describe() const
{
    QStringList parts;
    for (const KillTarget &target : targets())
        parts << target.describe();
    return parts.isEmpty() ? QStringLiteral("nothing") : parts.join(QStringLiteral("; "));
}

} // namespace keyward
