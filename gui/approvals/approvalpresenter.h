#pragma once

#include "core/result.h"
#include "policy/approvalprovider.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>
#include <optional>

namespace keyward::gui {

// One decision the user is asked for in the tray: an `ask` call (DESIGN.md "Policy") or a change
// that widens access made outside the tray (DESIGN.md "Processes").
struct PendingDecision {
    enum class Kind { Approval, Confirmation };
    int id = 0;
    Kind kind = Kind::Approval;
    policy::ApprovalRequest request; // Approval: the call
    QString summary;                 // Confirmation: what the change widens
    bool canAlways = false;          // Approval: whether "Always" can be made permanent
    qint64 deadlineMs = 0;           // on the presenter's clock
};

// The tray's ApprovalProvider and the queue of decisions waiting for the user, without widgets
// (the dialogs in approvaldialog.h only bind to it). Any number of decisions wait side by side;
// none blocks the event loop. Each gets kTimeoutMs: then it ends as TimedOut (an approval is
// denied, a confirmation is not confirmed). Every decision's callback runs exactly once, from the
// event loop: on decide(), on its timeout in tick(), or as Deny when the presenter is destroyed.
//
// "Always" on an approval calls the AlwaysAllow function (the core's persistAlwaysAllow() in the
// tray); whether it is offered at all asks CanAlwaysAllow first. When making it permanent fails,
// the call is still approved once and failed() says why.
class ApprovalPresenter : public QObject, public policy::ApprovalProvider {
    Q_OBJECT
public:
    static constexpr int kTimeoutMs = 60000;
    static constexpr int kTickMs = 500;

    // Milliseconds on a monotonic clock; the default is a QElapsedTimer's.
    using Clock = std::function<qint64()>;
    using CanAlwaysAllow = std::function<bool(const policy::ApprovalRequest &)>;
    // Makes "Always" permanent; returns what changed, or why it could not.
    using AlwaysAllow = std::function<Result<QString>(const policy::ApprovalRequest &)>;

    explicit ApprovalPresenter(Clock clock = {}, QObject *parent = nullptr);
    // Pending decisions are denied (their callbacks run).
    ~ApprovalPresenter() override;

    // Without these, "Always" is not offered.
    void setAlwaysAllow(CanAlwaysAllow can, AlwaysAllow persist);

    void requestApproval(const policy::ApprovalRequest &request, DecisionCallback decide) override;
    // Asks the user to confirm the change `summary`; `done(true)` only when the user confirmed.
    // Returns the decision's id.
    int requestConfirmation(const QString &summary, std::function<void(bool confirmed)> done);
    // Ends `id` as denied when it still waits (its asker has gone); false when it does not.
    bool withdraw(int id);

    // The decisions waiting, oldest first.
    QList<PendingDecision> pending() const;
    std::optional<PendingDecision> find(int id) const;
    // Whole seconds left before `id` times out (rounded up; 0 when unknown).
    int secondsLeft(int id) const;

    // The user's answer to `id`. Approval: ApproveOnce, ApproveAlways or Deny; Confirmation:
    // ApproveOnce confirms, Deny does not. False when `id` is no longer pending (already decided
    // or timed out), or for ApproveAlways where canAlways is false.
    bool decide(int id, policy::ApprovalDecision decision);

    // Ends the decisions whose deadline has passed as TimedOut, then emits ticked(). The
    // presenter's own timer calls it every kTickMs while decisions wait.
    void tick();

Q_SIGNALS:
    // A decision started waiting; the dialogs show it.
    void added(int id);
    // A decision ended (answered or timed out); its dialog goes.
    void removed(int id);
    // Time passed: countdowns show secondsLeft() again.
    void ticked();
    // "Always" could not be made permanent (the call was approved once): why, for the user.
    void failed(const QString &message);

private:
    struct Entry {
        PendingDecision decision;
        DecisionCallback approve;
        std::function<void(bool)> confirm;
    };
    int add(Entry entry);
    void finish(int id, policy::ApprovalDecision decision);

    Clock m_clock;
    CanAlwaysAllow m_canAlways;
    AlwaysAllow m_always;
    QList<Entry> m_entries;
    int m_nextId = 1;
    QTimer m_timer;
};

} // namespace keyward::gui
