#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace keyward {

// What one kill switch stops (DESIGN.md "CLI": `keyward kill [--service S | --agent A]`): every
// call, every call to one service, or every call of one agent.
struct KillTarget {
    enum class Kind { All, Service, Agent };

    Kind kind = Kind::All;
    QString name; // the service or agent; empty for All

    static KillTarget all() { return {}; }
    static KillTarget service(const QString &name) { return {Kind::Service, name}; }
    static KillTarget agent(const QString &name) { return {Kind::Agent, name}; }

    // The rule a refusal names: "kill:all", "kill:service:<s>", "kill:agent:<a>".
    QString rule() const;
    // For messages: "every call", "the service `s`", "the agent `a`".
    QString describe() const;
    // The command that lifts this switch: "keyward resume", "keyward resume --service s", ...
    QString resumeCommand() const;

    bool operator==(const KillTarget &) const = default;
};

// A call refused by a kill switch: the rule naming the switch, and a message for the agent saying
// what is stopped and how the user resumes it.
struct KillRefusal {
    QString rule;
    QString message;
};

// The kill switches in force: the global one, and the services and agents killed one by one. The
// lists are kept sorted and without duplicates.
struct KillSwitches {
    bool all = false;
    QStringList services;
    QStringList agents;

    bool isEmpty() const { return !all && services.isEmpty() && agents.isEmpty(); }
    bool isKilled(const KillTarget &target) const;

    // The switch that stops a call of `agent` to `service`, if any. When several do, the widest
    // one is named: all, then the service, then the agent.
    std::optional<KillTarget> switchFor(const QString &service, const QString &agent) const;
    std::optional<KillRefusal> refusalFor(const QString &service, const QString &agent) const;

    // Sets the switch of `target`.
    void kill(const KillTarget &target);
    // Clears the switch of `target` (All: only the global switch, as a plain `keyward resume`).
    void resume(const KillTarget &target);
    // Clears every switch (`keyward resume --all`).
    void resumeEverything() { *this = KillSwitches{}; }

    // Every switch set, as targets: All first, then services, then agents.
    QList<KillTarget> targets() const;
    // "every call; the service `a`; the agent `b`", or "nothing".
    QString describe() const;

    bool operator==(const KillSwitches &) const = default;
};

} // namespace keyward
