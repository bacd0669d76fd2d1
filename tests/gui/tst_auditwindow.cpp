// AuditWindow: the audit browser binds its filter bar, table, detail pane, export and verify to an
// AuditModel over a real audit.db (offscreen).

#include "audit/auditlog.h"
#include "models/auditmodel.h"
#include "windows/auditwindow.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QtTest>

using keyward::AuditLog;
using keyward::AuditRow;
using keyward::AuditSearch;
using keyward::StatusRange;
using keyward::gui::AuditModel;
using keyward::gui::AuditWindow;

namespace {

AuditRow row(const QString &agent, const QString &service, const QString &decision, std::optional<int> status,
             const QString &path)
{
    AuditRow r;
    r.time = QDateTime::currentDateTimeUtc();
    r.agent = agent;
    r.client = QStringLiteral("claude-code");
    r.service = service;
    r.method = QStringLiteral("POST");
    r.path = path;
    r.status = status;
    r.decision = decision;
    r.rule = QStringLiteral("allow POST /**");
    r.requestBody = QStringLiteral("{\"q\":\"[REDACTED:github]\",\"n\":[1,2]}");
    r.responseBody = QStringLiteral("plain text answer");
    return r;
}

QLineEdit *edit(AuditWindow &window, const char *name)
{
    auto *found = window.findChild<QLineEdit *>(QString::fromLatin1(name));
    Q_ASSERT(found);
    return found;
}

// The owner, group and other bits (the "user" bits repeat the owner's for the current user).
constexpr QFileDevice::Permissions kNotUser(0x7077);

} // namespace

class TestAuditWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_db;

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(keyward);
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("audit.db"));
        AuditLog audit(m_db);
        QVERIFY(audit.append(row(QStringLiteral("alice"), QStringLiteral("github"), QStringLiteral("allowed"), 201,
                                 QStringLiteral("/repos/a/issues"))));
        QVERIFY(audit.append(row(QStringLiteral("bob"), QStringLiteral("stripe"), QStringLiteral("denied"), std::nullopt,
                                 QStringLiteral("/v1/refunds"))));
        QVERIFY(audit.append(row(QStringLiteral("bob"), QStringLiteral("github"), QStringLiteral("allowed"), 404,
                                 QStringLiteral("/repos/missing"))));
    }

    void searchFromTheFilterTexts()
    {
        const QDateTime now(QDate(2026, 11, 26), QTime(12, 0), QTimeZone::utc());
        const auto search = AuditWindow::searchFrom({QStringLiteral(" github "), QStringLiteral("bob"),
                                                     QStringLiteral("denied"), QStringLiteral("4xx"), QStringLiteral("2h"),
                                                     QStringLiteral("2026-11-26T11:30:00Z"), QStringLiteral(" repos ")},
                                                    now);
        QVERIFY2(search, search ? "" : qPrintable(search.error().message));
        QCOMPARE(search->service, QStringLiteral("github"));
        QCOMPARE(search->agent, QStringLiteral("bob"));
        QCOMPARE(search->decision, QStringLiteral("denied"));
        QCOMPARE(search->status, (StatusRange{400, 499}));
        QCOMPARE(search->from, now.addSecs(-7200));
        QCOMPARE(search->to, QDateTime(QDate(2026, 11, 26), QTime(11, 30), QTimeZone::utc()));
        QCOMPARE(search->text, QStringLiteral("repos"));

        QVERIFY(AuditWindow::searchFrom({}, now)->isEmpty());
        const auto badStatus = AuditWindow::searchFrom({{}, {}, {}, QStringLiteral("4zz"), {}, {}, {}}, now);
        QVERIFY(!badStatus);
        QVERIFY2(badStatus.error().message.startsWith(QStringLiteral("Status:")), qPrintable(badStatus.error().message));
        const auto badTime = AuditWindow::searchFrom({{}, {}, {}, {}, QStringLiteral("yesterday"), {}, {}}, now);
        QVERIFY(!badTime);
        QVERIFY2(badTime.error().message.startsWith(QStringLiteral("From:")), qPrintable(badTime.error().message));
    }

    void filtersChangeTheModelFilterAfterTheLastEdit()
    {
        AuditWindow window(m_db);
        QAbstractItemModelTester tester(&window.model(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        QCOMPARE(window.model().rowCount(), 3);
        edit(window, "service")->setText(QStringLiteral("github"));
        window.findChild<QComboBox *>(QStringLiteral("decision"))->setCurrentIndex(1); // allowed
        // Applied by the timer once typing pauses, not on each key.
        QVERIFY(window.model().filter().isEmpty());
        QTRY_COMPARE(window.model().filter().service, QStringLiteral("github"));
        QCOMPARE(window.model().filter().decision, QStringLiteral("allowed"));
        QCOMPARE(window.model().rowCount(), 2);

        edit(window, "status")->setText(QStringLiteral("404"));
        QVERIFY(window.applyFilters());
        QCOMPARE(window.model().rowCount(), 1);
        QCOMPARE(window.model().rowAt(0).path, QStringLiteral("/repos/missing"));
        edit(window, "text")->setText(QStringLiteral("nothing-matches-this"));
        QVERIFY(window.applyFilters());
        QCOMPARE(window.model().rowCount(), 0);
    }

    void aFieldThatDoesNotParseIsNamedAndTheFilterStays()
    {
        AuditWindow window(m_db);
        edit(window, "agent")->setText(QStringLiteral("bob"));
        QVERIFY(window.applyFilters());
        edit(window, "to")->setText(QStringLiteral("next tuesday"));
        QVERIFY(!window.applyFilters());
        auto *problem = window.findChild<QLabel *>(QStringLiteral("filterProblem"));
        QVERIFY(!problem->isHidden());
        QVERIFY2(problem->text().startsWith(QStringLiteral("To:")), qPrintable(problem->text()));
        QCOMPARE(window.model().filter().agent, QStringLiteral("bob"));
        QCOMPARE(window.model().rowCount(), 2);
        edit(window, "to")->clear();
        QVERIFY(window.applyFilters());
        QVERIFY(problem->isHidden());
    }

    void detailPaneShowsTheSelectedRow()
    {
        AuditWindow window(m_db);
        QVERIFY(window.detailPaneText().isEmpty());
        auto *table = window.findChild<QTableView *>(QStringLiteral("rows"));
        table->setCurrentIndex(window.model().index(1, 0)); // seq 2, newest first
        const QString detail = window.detailPaneText();
        QVERIFY2(detail.contains(QStringLiteral("/v1/refunds")), qPrintable(detail));
        QVERIFY(detail.contains(QStringLiteral("stripe")));
        QVERIFY(detail.contains(QStringLiteral("denied")));
        QVERIFY(detail.contains(QStringLiteral("claude-code")));
        QVERIFY(detail.contains(QRegularExpression(QStringLiteral("^seq:\\s+2$"), QRegularExpression::MultilineOption)));
        // The JSON request body indented, the text response body as stored.
        QVERIFY2(detail.contains(QStringLiteral("\"q\": \"[REDACTED:github]\"")), qPrintable(detail));
        QVERIFY(detail.contains(QStringLiteral("plain text answer")));
        const auto full = window.model().fullRow(1);
        QVERIFY(full);
        QVERIFY(detail.contains(full->hash));

        // A new filter resets the model: the pane empties with the selection.
        edit(window, "service")->setText(QStringLiteral("github"));
        QVERIFY(window.applyFilters());
        QVERIFY(window.detailPaneText().isEmpty());
    }

    void exportWritesAPrivateFileOfTheMatchingRows()
    {
        AuditWindow window(m_db);
        edit(window, "agent")->setText(QStringLiteral("bob"));
        QVERIFY(window.applyFilters());
        const QString csvPath = m_dir.filePath(QStringLiteral("out.csv"));
        const auto csv = window.exportTo(csvPath, AuditModel::ExportFormat::Csv);
        QVERIFY2(csv, csv ? "" : qPrintable(csv.error().message));
        QCOMPARE(*csv, 2);
        QCOMPARE(QFile::permissions(csvPath) & kNotUser, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QFile file(csvPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.startsWith("seq,"));
        QCOMPARE(text.count("\r\n"), 3);
        QVERIFY(!text.contains("alice"));
        QVERIFY2(window.statusText().contains(csvPath), qPrintable(window.statusText()));

        // An existing file is replaced and made private too.
        const QString jsonlPath = m_dir.filePath(QStringLiteral("out.jsonl"));
        QFile existing(jsonlPath);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("old content that is longer than nothing\n");
        existing.close();
        existing.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther);
        const auto jsonl = window.exportTo(jsonlPath, AuditModel::ExportFormat::Jsonl);
        QVERIFY(jsonl);
        QCOMPARE(*jsonl, 2);
        QCOMPARE(QFile::permissions(jsonlPath) & kNotUser, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QVERIFY(existing.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = existing.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines.first().startsWith('{'));

        const auto refused = window.exportTo(m_dir.filePath(QStringLiteral("no/such/dir/x.csv")), AuditModel::ExportFormat::Csv);
        QVERIFY(!refused);
        QVERIFY2(window.statusText().contains(QStringLiteral("Could not write")), qPrintable(window.statusText()));
    }

    void verifyShowsTheResultInTheWindow()
    {
        AuditWindow window(m_db);
        const auto report = window.verifyChain();
        QVERIFY(report);
        QVERIFY(report->ok);
        QVERIFY2(window.statusText().contains(QStringLiteral("Chain verified")), qPrintable(window.statusText()));
        QVERIFY(window.statusText().contains(QStringLiteral("3")));

        // A row changed behind the chain's back is named.
        QTemporaryDir dir;
        const QString copy = dir.filePath(QStringLiteral("audit.db"));
        QVERIFY(QFile::copy(m_db, copy));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(copy);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("UPDATE audit SET path = '/other' WHERE seq = 2")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        AuditWindow tampered(copy);
        const auto bad = tampered.verifyChain();
        QVERIFY(bad);
        QVERIFY(!bad->ok);
        QCOMPARE(bad->badSeq, std::optional<qint64>(2));
        QVERIFY2(tampered.statusText().contains(QStringLiteral("row 2")), qPrintable(tampered.statusText()));
    }

    void liveTailShowsNewRows()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("audit.db"));
        AuditLog audit(path);
        QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), 200, QStringLiteral("/1"))));
        AuditWindow window(path);
        QCOMPARE(window.model().rowCount(), 1);
        window.show();
        QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), 200, QStringLiteral("/2"))));
        QTRY_COMPARE_WITH_TIMEOUT(window.model().rowCount(), 2, 5000);
        QCOMPARE(window.model().rowAt(0).path, QStringLiteral("/2"));

        // Off, or the window closed: nothing is read.
        auto *tail = window.findChild<QCheckBox *>(QStringLiteral("liveTail"));
        tail->setChecked(false);
        QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), 200, QStringLiteral("/3"))));
        QTest::qWait(AuditWindow::kLiveTailMs * 2);
        QCOMPARE(window.model().rowCount(), 2);
        tail->setChecked(true);
        QCOMPARE(window.model().rowCount(), 3); // at once when turned on
        window.hide();
        QVERIFY(audit.append(row(QStringLiteral("a"), QStringLiteral("s"), QStringLiteral("allowed"), 200, QStringLiteral("/4"))));
        QTest::qWait(AuditWindow::kLiveTailMs * 2);
        QCOMPARE(window.model().rowCount(), 3);
        window.show(); // and again when shown
        QCOMPARE(window.model().rowCount(), 4);
    }

    void everyControlHasAnAccessibleNameAndTakesFocus()
    {
        AuditWindow window(m_db);
        int focusable = 0;
        const auto widgets = window.findChildren<QWidget *>();
        for (QWidget *widget : widgets) {
            if (widget->focusPolicy() == Qt::NoFocus || !widget->isEnabled())
                continue;
            if (!widget->accessibleName().isEmpty()) {
                ++focusable;
                continue;
            }
            // Parts of composite controls (the table's viewport, a line edit inside a combo box)
            // are named by their control.
            QWidget *owner = widget->parentWidget();
            QVERIFY2(owner && !owner->accessibleName().isEmpty(), widget->metaObject()->className());
        }
        QVERIFY(focusable >= 12);
    }
};

QTEST_MAIN(TestAuditWindow)
#include "tst_auditwindow.moc"
