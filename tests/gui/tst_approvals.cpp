// ApprovalPresenter (the tray's ApprovalProvider: queue, 60 s timeout on an injected clock,
// approve once / always / deny, confirmations of widening changes) and the dialogs bound to it
// (offscreen): their buttons drive the decision.

#include "approvals/approvaldialog.h"
#include "approvals/approvalpresenter.h"

#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

#include <memory>
#include <optional>

using keyward::Error;
using keyward::Result;
using keyward::gui::ApprovalDialog;
using keyward::gui::ApprovalDialogs;
using keyward::gui::ApprovalPresenter;
using keyward::gui::PendingDecision;
using keyward::policy::ApprovalDecision;
using keyward::policy::ApprovalRequest;

Q_DECLARE_METATYPE(ApprovalDecision)

namespace {

ApprovalRequest request(const QString &path = QStringLiteral("/v3/mail/send"))
{
    return ApprovalRequest{QStringLiteral("claude"), QStringLiteral("claude-code"), QStringLiteral("sendgrid"),
                           QStringLiteral("POST"), path, QStringLiteral("POST /v3/mail/send"),
                           QStringLiteral("send the weekly report")};
}

// A clock the test moves by hand.
struct FakeClock {
    std::shared_ptr<qint64> now = std::make_shared<qint64>(1000);
    ApprovalPresenter::Clock clock() const
    {
        auto shared = now;
        return [shared] { return *shared; };
    }
    void advance(qint64 ms) const { *now += ms; }
};

// What the presenter answered for one request.
struct Answer {
    std::optional<ApprovalDecision> decision;
    int calls = 0;
    ApprovalPresenter::DecisionCallback callback()
    {
        return [this](ApprovalDecision d) {
            decision = d;
            ++calls;
        };
    }
};

} // namespace

class TestApprovals : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { Q_INIT_RESOURCE(keyward); }

    void eachDecisionEndsTheRequestOnce_data()
    {
        QTest::addColumn<ApprovalDecision>("decision");
        QTest::addColumn<ApprovalDecision>("expected");
        QTest::newRow("approve once") << ApprovalDecision::ApproveOnce << ApprovalDecision::ApproveOnce;
        QTest::newRow("always") << ApprovalDecision::ApproveAlways << ApprovalDecision::ApproveAlways;
        QTest::newRow("deny") << ApprovalDecision::Deny << ApprovalDecision::Deny;
    }

    void eachDecisionEndsTheRequestOnce()
    {
        QFETCH(ApprovalDecision, decision);
        QFETCH(ApprovalDecision, expected);
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        QList<ApprovalRequest> persisted;
        presenter.setAlwaysAllow([](const ApprovalRequest &) { return true; },
                                 [&persisted](const ApprovalRequest &r) -> Result<QString> {
                                     persisted << r;
                                     return QStringLiteral("added allow POST /v3/mail/send");
                                 });
        QSignalSpy added(&presenter, &ApprovalPresenter::added);
        QSignalSpy removed(&presenter, &ApprovalPresenter::removed);
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        QCOMPARE(added.count(), 1);
        const int id = added.first().first().toInt();
        const auto pending = presenter.find(id);
        QVERIFY(pending);
        QCOMPARE(pending->kind, PendingDecision::Kind::Approval);
        QCOMPARE(pending->request.path, QStringLiteral("/v3/mail/send"));
        QVERIFY(pending->canAlways);
        QCOMPARE(answer.calls, 0);

        QVERIFY(presenter.decide(id, decision));
        QCOMPARE(answer.calls, 1);
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(expected));
        QCOMPARE(removed.count(), 1);
        QVERIFY(presenter.pending().isEmpty());
        QCOMPARE(persisted.size(), decision == ApprovalDecision::ApproveAlways ? 1 : 0);
        // A second answer, or the timeout later, changes nothing.
        QVERIFY(!presenter.decide(id, ApprovalDecision::Deny));
        clock.advance(ApprovalPresenter::kTimeoutMs * 2);
        presenter.tick();
        QCOMPARE(answer.calls, 1);
    }

    void noAnswerWithin60sTimesOut()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        Answer first;
        Answer second;
        presenter.requestApproval(request(), first.callback());
        clock.advance(20000);
        presenter.requestApproval(request(QStringLiteral("/v3/other")), second.callback());
        const int firstId = presenter.pending().at(0).id;
        const int secondId = presenter.pending().at(1).id;
        QCOMPARE(presenter.secondsLeft(firstId), 40);
        QCOMPARE(presenter.secondsLeft(secondId), 60);

        clock.advance(39999);
        presenter.tick();
        QCOMPARE(first.calls, 0);
        QCOMPARE(presenter.secondsLeft(firstId), 1);
        clock.advance(1);
        presenter.tick();
        QCOMPARE(first.decision, std::optional<ApprovalDecision>(ApprovalDecision::TimedOut));
        QCOMPARE(second.calls, 0);
        QCOMPARE(presenter.pending().size(), 1);
        QVERIFY(!presenter.decide(firstId, ApprovalDecision::ApproveOnce));
        clock.advance(20000);
        presenter.tick();
        QCOMPARE(second.decision, std::optional<ApprovalDecision>(ApprovalDecision::TimedOut));
        QVERIFY(presenter.pending().isEmpty());
    }

    void theRealTimerTimesOutToo()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        clock.advance(ApprovalPresenter::kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(answer.calls, 1, ApprovalPresenter::kTickMs * 4);
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(ApprovalDecision::TimedOut));
    }

    void alwaysIsOfferedOnlyWhenItCanBeMadePermanent()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        Answer withoutHook;
        presenter.requestApproval(request(), withoutHook.callback());
        const int id = presenter.pending().constFirst().id;
        QVERIFY(!presenter.find(id)->canAlways);
        QVERIFY(!presenter.decide(id, ApprovalDecision::ApproveAlways));
        QCOMPARE(withoutHook.calls, 0);

        presenter.setAlwaysAllow([](const ApprovalRequest &r) { return r.path == QLatin1String("/v3/mail/send"); },
                                 [](const ApprovalRequest &) -> Result<QString> { return QStringLiteral("ok"); });
        Answer broad;
        presenter.requestApproval(request(QStringLiteral("/v3/templates/1")), broad.callback());
        QVERIFY(!presenter.pending().constLast().canAlways);
        QVERIFY(!presenter.decide(presenter.pending().constLast().id, ApprovalDecision::ApproveAlways));
        QCOMPARE(broad.calls, 0);
    }

    void alwaysThatCannotBeSavedApprovesOnceAndSaysWhy()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        presenter.setAlwaysAllow([](const ApprovalRequest &) { return true; },
                                 [](const ApprovalRequest &) -> Result<QString> {
                                     return Error{QStringLiteral("home_locked"), QStringLiteral("the home is locked")};
                                 });
        QSignalSpy failed(&presenter, &ApprovalPresenter::failed);
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        QVERIFY(presenter.decide(presenter.pending().constFirst().id, ApprovalDecision::ApproveAlways));
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(ApprovalDecision::ApproveOnce));
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().first().toString().contains(QStringLiteral("the home is locked")));
    }

    void confirmationsAnswerTrueOnlyWhenConfirmed()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        QList<bool> answers;
        auto record = [&answers](bool confirmed) { answers << confirmed; };
        presenter.requestConfirmation(QStringLiteral("gh: new allow rule POST /x"), record);
        presenter.requestConfirmation(QStringLiteral("resume every call"), record);
        presenter.requestConfirmation(QStringLiteral("gh: rate limit removed"), record);
        const QList<PendingDecision> pending = presenter.pending();
        QCOMPARE(pending.size(), 3);
        QCOMPARE(pending.at(0).kind, PendingDecision::Kind::Confirmation);
        QCOMPARE(pending.at(1).summary, QStringLiteral("resume every call"));
        QVERIFY(!presenter.decide(pending.at(0).id, ApprovalDecision::ApproveAlways));
        QVERIFY(presenter.decide(pending.at(1).id, ApprovalDecision::ApproveOnce));
        QVERIFY(presenter.decide(pending.at(0).id, ApprovalDecision::Deny));
        clock.advance(ApprovalPresenter::kTimeoutMs);
        presenter.tick();
        QCOMPARE(answers, (QList<bool>{true, false, false}));
    }

    void aWithdrawnConfirmationEndsUnconfirmed()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        ApprovalDialogs dialogs(presenter);
        std::optional<bool> confirmed;
        const int id = presenter.requestConfirmation(QStringLiteral("x"), [&confirmed](bool c) { confirmed = c; });
        QPointer<ApprovalDialog> dialog = dialogs.dialog(id);
        QVERIFY(dialog);
        QVERIFY(presenter.withdraw(id));
        QCOMPARE(confirmed, std::optional<bool>(false));
        QTRY_VERIFY(!dialog);
        QVERIFY(!presenter.withdraw(id));
    }

    void destroyingThePresenterDeniesWhatWaits()
    {
        Answer answer;
        std::optional<bool> confirmed;
        {
            ApprovalPresenter presenter;
            presenter.requestApproval(request(), answer.callback());
            presenter.requestConfirmation(QStringLiteral("x"), [&confirmed](bool c) { confirmed = c; });
        }
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(ApprovalDecision::Deny));
        QCOMPARE(confirmed, std::optional<bool>(false));
    }

    void dialogButtonsDriveTheDecision_data()
    {
        QTest::addColumn<QString>("button");
        QTest::addColumn<ApprovalDecision>("expected");
        QTest::newRow("approve once") << QStringLiteral("approve") << ApprovalDecision::ApproveOnce;
        QTest::newRow("always") << QStringLiteral("always") << ApprovalDecision::ApproveAlways;
        QTest::newRow("deny") << QStringLiteral("deny") << ApprovalDecision::Deny;
        QTest::newRow("escape") << QString() << ApprovalDecision::Deny;
    }

    void dialogButtonsDriveTheDecision()
    {
        QFETCH(QString, button);
        QFETCH(ApprovalDecision, expected);
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        presenter.setAlwaysAllow([](const ApprovalRequest &) { return true; },
                                 [](const ApprovalRequest &) -> Result<QString> { return QStringLiteral("ok"); });
        ApprovalDialogs dialogs(presenter);
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        const int id = presenter.pending().constFirst().id;
        QPointer<ApprovalDialog> dialog = dialogs.dialog(id);
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        QVERIFY(dialog->denyButton()->isDefault());
        QVERIFY(dialog->alwaysButton()->isEnabled());
        // Everything the user decides on is shown, agent text as plain text.
        QStringList shown;
        for (const QLabel *label : dialog->findChildren<QLabel *>())
            shown << label->text();
        for (const QString &part : {QStringLiteral("claude"), QStringLiteral("claude-code"), QStringLiteral("sendgrid"),
                                    QStringLiteral("POST /v3/mail/send"), QStringLiteral("send the weekly report")})
            QVERIFY2(shown.contains(part), qPrintable(part));
        QCOMPARE(dialog->countdownText(), QStringLiteral("Denied automatically in 60 second(s)."));
        clock.advance(15500);
        presenter.tick();
        QCOMPARE(dialog->countdownText(), QStringLiteral("Denied automatically in 45 second(s)."));

        if (button.isEmpty())
            QTest::keyClick(dialog, Qt::Key_Escape);
        else
            QTest::mouseClick(dialog->findChild<QPushButton *>(button), Qt::LeftButton);
        QCOMPARE(answer.calls, 1);
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(expected));
        QTRY_VERIFY(!dialog); // closed and deleted
        QVERIFY(!dialogs.dialog(id));
    }

    void aTimedOutDialogCloses()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        ApprovalDialogs dialogs(presenter);
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        QPointer<ApprovalDialog> dialog = dialogs.dialog(presenter.pending().constFirst().id);
        QVERIFY(dialog);
        QVERIFY(!dialog->alwaysButton()->isEnabled()); // no way to make it permanent here
        clock.advance(ApprovalPresenter::kTimeoutMs);
        presenter.tick();
        QCOMPARE(answer.decision, std::optional<ApprovalDecision>(ApprovalDecision::TimedOut));
        QTRY_VERIFY(!dialog);
    }

    void severalDialogsStackAndEachAnswersItsOwn()
    {
        FakeClock clock;
        ApprovalPresenter presenter(clock.clock());
        ApprovalDialogs dialogs(presenter);
        Answer first;
        std::optional<bool> confirmed;
        presenter.requestApproval(request(), first.callback());
        presenter.requestConfirmation(QStringLiteral("gh: schedule removed"), [&confirmed](bool c) { confirmed = c; });
        const QList<PendingDecision> pending = presenter.pending();
        ApprovalDialog *approval = dialogs.dialog(pending.at(0).id);
        ApprovalDialog *confirmation = dialogs.dialog(pending.at(1).id);
        QVERIFY(approval && confirmation);
        QVERIFY(approval->isVisible() && confirmation->isVisible());
        QVERIFY(confirmation->pos() != approval->pos());
        QVERIFY(!confirmation->alwaysButton());
        QCOMPARE(confirmation->approveButton()->text(), QStringLiteral("&Confirm"));
        QTest::mouseClick(confirmation->approveButton(), Qt::LeftButton);
        QCOMPARE(confirmed, std::optional<bool>(true));
        QCOMPARE(first.calls, 0);
        QVERIFY(approval->isVisible());
        QTest::mouseClick(approval->denyButton(), Qt::LeftButton);
        QCOMPARE(first.decision, std::optional<ApprovalDecision>(ApprovalDecision::Deny));
    }

    void everyButtonHasAnAccessibleName()
    {
        ApprovalPresenter presenter;
        ApprovalDialogs dialogs(presenter);
        Answer answer;
        presenter.requestApproval(request(), answer.callback());
        ApprovalDialog *dialog = dialogs.dialog(presenter.pending().constFirst().id);
        for (const QPushButton *button : dialog->findChildren<QPushButton *>())
            QVERIFY2(!button->accessibleName().isEmpty(), qPrintable(button->text()));
        QVERIFY(!dialog->accessibleName().isEmpty());
    }
};

QTEST_MAIN(TestApprovals)
#include "tst_approvals.moc"
