#pragma once

#include <QString>

#include <functional>

namespace keyward::policy {

// A call that matched an `ask` rule, as the user is shown it. Never holds a secret.
struct ApprovalRequest {
    QString agent;
    QString client;
    QString service;
    QString method;
    QString path; // normalized
    QString rule; // the ask rule that matched
    QString reason; // the agent's stated reason, possibly empty
};

enum class ApprovalDecision { ApproveOnce, ApproveAlways, Deny, TimedOut };

// Asks the user to decide on an `ask` call (the tray adds a dialog). The gate holds the call until
// `decide` runs; a provider must call it exactly once, from the event loop, within its timeout
// (DESIGN.md: 60 s, then TimedOut). Without a provider, `ask` calls are denied at once.
class ApprovalProvider {
public:
    using DecisionCallback = std::function<void(ApprovalDecision)>;

    virtual ~ApprovalProvider() = default;
    virtual void requestApproval(const ApprovalRequest &request, DecisionCallback decide) = 0;
};

} // namespace keyward::policy
