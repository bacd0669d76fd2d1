// AuditModel: the audit browser's table over audit.db (newest first, keyset paging, filters, live
// tail, export, verify) and AuditSearch, its filters as a parameterized WHERE condition. Every model
// test runs under QAbstractItemModelTester in Fatal mode.

#include "audit/auditchain.h"
#include "audit/auditlog.h"
#include "audit/auditrowjson.h"
#include "audit/auditsearch.h"
#include "core/timespec.h"
#include "models/auditmodel.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QTimeZone>
#include <QtTest>

#include <atomic>
#include <memory>

using keyward::AuditLog;
using keyward::AuditRow;
using keyward::AuditSearch;
using keyward::StatusRange;
using keyward::gui::AuditModel;

Q_DECLARE_METATYPE(AuditSearch)

namespace {

QDateTime utc(int day, int hour, int minute = 0)
{
    return QDateTime(QDate(2026, 11, day), QTime(hour, minute, 0), QTimeZone::utc());
}

struct RowSpec {
    QString agent;
    QString service;
    QString decision;
    std::optional<int> status;
    QDateTime time;
    QString path;
    std::optional<QString> rule;
    std::optional<QString> reason;
};

AuditRow rowFrom(const RowSpec &spec)
{
    AuditRow row;
    row.time = spec.time;
    row.agent = spec.agent;
    row.client = QStringLiteral("claude-code");
    row.service = spec.service;
    row.method = QStringLiteral("GET");
    row.path = spec.path;
    row.queryKeys = {QStringLiteral("page")};
    row.status = spec.status;
    row.durationMs = 12;
    row.bytesOut = 34;
    row.decision = spec.decision;
    row.rule = spec.rule;
    row.reason = spec.reason;
    row.requestBody = QStringLiteral("{\"q\":\"[REDACTED]\"}");
    row.responseBody = QStringLiteral("{\"id\":1}");
    return row;
}

AuditRow simpleRow(int n, const QString &service = QStringLiteral("github"))
{
    return rowFrom({QStringLiteral("agent-%1").arg(n % 3), service, QStringLiteral("allowed"), 200, {},
                    QStringLiteral("/items/%1").arg(n), QStringLiteral("allow GET /items/**"), std::nullopt});
}

// The filter fixture: seq 1..12, in this order.
const QList<RowSpec> &fixture()
{
    static const QList<RowSpec> rows{
        {"alice", "github", "allowed", 200, utc(1, 10), "/repos/a", QString("allow GET /repos/**"), std::nullopt},
        {"alice", "github", "denied", std::nullopt, utc(1, 11), "/admin", std::nullopt, QString("no rule matches")},
        {"bob", "stripe", "allowed", 201, utc(2, 9), "/v1/charges", QString("allow POST /v1/charges"), std::nullopt},
        {"bob", "stripe", "error", 502, utc(2, 10), "/v1/charges", QString("allow POST /v1/charges"),
         QString("upstream timed out")},
        {"bob", "github", "allowed", 404, utc(3, 8), "/repos/missing", QString("allow GET /repos/**"), std::nullopt},
        {"carol", "openai", "allowed", 429, utc(3, 9), "/v1/chat/completions", QString("allow POST /v1/**"),
         std::nullopt},
        {"carol", "openai", "killed", std::nullopt, utc(3, 10), "/v1/models", std::nullopt,
         QString("kill switch on")},
        {"alice", "stripe", "approved", 200, utc(4, 12), "/v1/refunds", QString("ask POST /v1/refunds"),
         QString("approved once by the user")},
        {"", "", "change", std::nullopt, utc(4, 13), "stripe", std::nullopt, QString("rule added: allow GET /v1/**")},
        {"bob", "github", "allowed", 500, utc(5, 7), "/100%_done\\x", QString("allow GET /**"), std::nullopt},
        {"alice", "github", "allowed", 503, utc(5, 8), "/repos/b", QString("allow GET /repos/**"), std::nullopt},
        {"dave's", "stripe", "denied", 403, utc(6, 1), "/v1/customers", std::nullopt, QString("rate limit hit")},
    };
    return rows;
}

QList<qint64> seqsOf(const AuditModel &model)
{
    QList<qint64> seqs;
    for (int i = 0; i < model.rowCount(); ++i)
        seqs << model.index(i, 0).data(AuditModel::SeqRole).toLongLong();
    return seqs;
}

void fetchAll(AuditModel &model)
{
    while (model.canFetchMore())
        model.fetchMore();
}

QList<qint64> descending(qint64 from, qint64 to)
{
    QList<qint64> seqs;
    for (qint64 seq = from; seq >= to; --seq)
        seqs << seq;
    return seqs;
}

// A minimal RFC 4180 reader: records of fields, quoted fields may hold commas, quotes and newlines.
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            record << field;
            field.clear();
            records << record;
            record.clear();
            ++i;
        } else {
            field += c;
        }
    }
    if (!field.isEmpty() || !record.isEmpty())
        records << (record << field);
    return records;
}

} // namespace

class TestAuditModel : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_count = 0;

    QString freshPath() { return m_dir.filePath(QStringLiteral("audit-%1.db").arg(++m_count)); }

    QString fixturePath()
    {
        const QString path = freshPath();
        AuditLog log(path);
        for (const RowSpec &spec : fixture()) {
            if (!log.append(rowFrom(spec)))
                return {};
        }
        return path;
    }

    QString pathWithRows(int rows)
    {
        const QString path = freshPath();
        AuditLog log(path);
        for (int i = 1; i <= rows; ++i) {
            if (!log.append(simpleRow(i)))
                return {};
        }
        return path;
    }

    static std::unique_ptr<QAbstractItemModelTester> tester(AuditModel &model)
    {
        return std::make_unique<QAbstractItemModelTester>(&model,
                                                          QAbstractItemModelTester::FailureReportingMode::Fatal);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void missingDatabaseIsAnEmptyLogUntilItAppears()
    {
        const QString path = freshPath();
        AuditModel model(path);
        const auto check = tester(model);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore());
        QVERIFY(model.lastError().message.isEmpty());
        QVERIFY(!QFile::exists(path)); // reading never creates the file

        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const auto exported = model.exportRows(buffer, AuditModel::ExportFormat::Jsonl);
        QVERIFY2(exported, qPrintable(exported.ok() ? QString() : exported.error().message));
        QCOMPARE(*exported, qint64(0));
        QVERIFY(buffer.data().isEmpty());
        const auto report = model.verifyChain();
        QVERIFY(report);
        QVERIFY(report->ok);
        QCOMPARE(report->rows, qint64(0));

        AuditLog log(path);
        for (int i = 1; i <= 3; ++i)
            QVERIFY(log.append(simpleRow(i)));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QCOMPARE(model.refreshNewRows(), 3);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(seqsOf(model), descending(3, 1));
    }

    void fileWithoutSchemaOrRowsIsAnEmptyLog()
    {
        const QString zeroBytes = freshPath();
        QFile file(zeroBytes);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        AuditModel blank(zeroBytes);
        const auto checkBlank = tester(blank);
        QCOMPARE(blank.rowCount(), 0);
        QVERIFY(blank.lastError().message.isEmpty());
        QCOMPARE(QFileInfo(zeroBytes).size(), 0); // still untouched

        const QString empty = freshPath();
        AuditLog log(empty);
        QVERIFY(log.open());
        AuditModel model(empty);
        const auto check = tester(model);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore());
        QVERIFY(model.lastError().message.isEmpty());
        model.setFilter(AuditSearch{QStringLiteral("github"), {}, {}, {}, {}, {}, QStringLiteral("x")});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.refreshNewRows(), 0);
    }

    void notAnAuditLogIsAnError()
    {
        const QString path = freshPath();
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, 'x'));
        file.close();
        AuditModel model(path);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.lastError().code, QStringLiteral("audit_error"));
        QVERIFY2(model.lastError().message.contains(QStringLiteral("move it aside")),
                 qPrintable(model.lastError().message));
        QSignalSpy errors(&model, &AuditModel::errorOccurred);
        model.reload();
        QCOMPARE(errors.count(), 1);
    }

    void pagesNewestFirstWithoutGapsOrDuplicates()
    {
        const QString path = pathWithRows(450);
        AuditModel model(path);
        QCOMPARE(model.rowCount(), AuditModel::kPageSize);
        QCOMPARE(model.index(0, 0).data(AuditModel::SeqRole).toLongLong(), qint64(450));
        QVERIFY(model.canFetchMore());
        const auto check = tester(model); // the tester fetches on its own too; that must stay consistent
        fetchAll(model);
        QVERIFY(!model.canFetchMore());
        QCOMPARE(seqsOf(model), descending(450, 1));
        model.fetchMore(); // at the end: nothing happens
        QCOMPARE(model.rowCount(), 450);
    }

    void fetchMoreAddsOnePageAtTheEnd()
    {
        const QString path = pathWithRows(AuditModel::kPageSize * 2 + 1);
        AuditModel model(path);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.fetchMore();
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), AuditModel::kPageSize);
        QCOMPARE(inserted.at(0).at(2).toInt(), AuditModel::kPageSize * 2 - 1);
        QVERIFY(model.canFetchMore());
        model.fetchMore();
        QCOMPARE(model.rowCount(), AuditModel::kPageSize * 2 + 1);
        QVERIFY(!model.canFetchMore());
    }

    void columnsShowTheListFields()
    {
        AuditModel model(fixturePath());
        const auto check = tester(model);
        QCOMPARE(model.columnCount(), int(AuditModel::ColumnCount));
        QCOMPARE(model.headerData(AuditModel::Path, Qt::Horizontal).toString(), QStringLiteral("Path"));
        QCOMPARE(model.headerData(AuditModel::Duration, Qt::Horizontal).toString(), QStringLiteral("Duration"));
        // Row 0 is the newest: seq 12.
        const RowSpec &newest = fixture().constLast();
        auto cell = [&model](int row, int column) { return model.index(row, column).data().toString(); };
        QCOMPARE(cell(0, AuditModel::Agent), newest.agent);
        QCOMPARE(cell(0, AuditModel::Client), QStringLiteral("claude-code"));
        QCOMPARE(cell(0, AuditModel::Service), newest.service);
        QCOMPARE(cell(0, AuditModel::Method), QStringLiteral("GET"));
        QCOMPARE(cell(0, AuditModel::Path), newest.path);
        QCOMPARE(cell(0, AuditModel::Status), QStringLiteral("403"));
        QCOMPARE(cell(0, AuditModel::Decision), QStringLiteral("denied"));
        QCOMPARE(cell(0, AuditModel::Rule), QString());
        QCOMPARE(cell(0, AuditModel::Duration), QStringLiteral("12 ms"));
        QCOMPARE(cell(0, AuditModel::Time), newest.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
        QCOMPARE(model.index(0, AuditModel::Time).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("2026-11-06T01:00:00.000Z"));
        QCOMPARE(model.index(0, 0).data(AuditModel::DecisionRole).toString(), QStringLiteral("denied"));
        // A row without a status shows an empty cell; one with a rule shows it.
        QCOMPARE(cell(5, AuditModel::Status), QString()); // seq 7, killed
        QCOMPARE(cell(1, AuditModel::Rule), QStringLiteral("allow GET /repos/**"));
    }

    void fullRowHasTheRedactedBodies()
    {
        AuditModel model(fixturePath());
        const auto row = model.fullRow(4); // seq 8
        QVERIFY2(row, qPrintable(row.ok() ? QString() : row.error().message));
        QCOMPARE(row->seq, qint64(8));
        QCOMPARE(row->reason, std::optional<QString>(QStringLiteral("approved once by the user")));
        QCOMPARE(row->requestBody, std::optional<QString>(QStringLiteral("{\"q\":\"[REDACTED]\"}")));
        QCOMPARE(row->responseBody, std::optional<QString>(QStringLiteral("{\"id\":1}")));
        QCOMPARE(row->queryKeys, QStringList{QStringLiteral("page")});
        QCOMPARE(row->hash.size(), 64);
        QCOMPARE(row->hash, keyward::auditRowHash(*row));
        QVERIFY(!model.fullRow(-1));
        QVERIFY(!model.fullRow(model.rowCount()));
    }

    void filtersSelectAndCombine_data()
    {
        QTest::addColumn<AuditSearch>("filter");
        QTest::addColumn<QList<qint64>>("expected");
        auto search = [] { return AuditSearch{}; };
        QTest::newRow("none") << search() << descending(12, 1);
        AuditSearch s = search();
        s.service = QStringLiteral("stripe");
        QTest::newRow("service") << s << QList<qint64>{12, 8, 4, 3};
        s = search();
        s.agent = QStringLiteral("alice");
        QTest::newRow("agent") << s << QList<qint64>{11, 8, 2, 1};
        s = search();
        s.decision = QStringLiteral("denied");
        QTest::newRow("decision") << s << QList<qint64>{12, 2};
        s = search();
        s.status = StatusRange{404, 404};
        QTest::newRow("status code") << s << QList<qint64>{5};
        s = search();
        s.status = StatusRange{500, 599};
        QTest::newRow("status class 5xx") << s << QList<qint64>{11, 10, 4};
        s = search();
        s.status = StatusRange{400, 499};
        QTest::newRow("status class 4xx") << s << QList<qint64>{12, 6, 5};
        s = search();
        s.from = utc(3, 9);
        QTest::newRow("from is inclusive") << s << descending(12, 6);
        s = search();
        s.to = utc(2, 10);
        QTest::newRow("to is exclusive") << s << QList<qint64>{3, 2, 1};
        s = search();
        s.from = utc(2, 0);
        s.to = utc(4, 0);
        QTest::newRow("from and to") << s << descending(7, 3);
        s = search();
        s.text = QStringLiteral("REPOS");
        QTest::newRow("text in path, any case") << s << QList<qint64>{11, 5, 1};
        s = search();
        s.text = QStringLiteral("POST /v1/charges");
        QTest::newRow("text in rule") << s << QList<qint64>{4, 3};
        s = search();
        s.text = QStringLiteral("timed out");
        QTest::newRow("text in reason") << s << QList<qint64>{4};
        s = search();
        s.text = QStringLiteral("carol");
        QTest::newRow("text in agent") << s << QList<qint64>{7, 6};
        s = search();
        s.text = QStringLiteral("openai");
        QTest::newRow("text in service") << s << QList<qint64>{7, 6};
        s = search();
        s.text = QStringLiteral("  kill switch  ");
        QTest::newRow("text trimmed") << s << QList<qint64>{7};
        s = search();
        s.service = QStringLiteral("github");
        s.agent = QStringLiteral("alice");
        s.status = StatusRange{200, 299};
        QTest::newRow("service + agent + status class") << s << QList<qint64>{1};
        s = search();
        s.service = QStringLiteral("stripe");
        s.text = QStringLiteral("v1");
        s.from = utc(2, 10);
        s.decision = QStringLiteral("error");
        QTest::newRow("service + text + time + decision") << s << QList<qint64>{4};
        s = search();
        s.service = QStringLiteral("github");
        s.decision = QStringLiteral("killed");
        QTest::newRow("combined, nothing matches") << s << QList<qint64>{};
    }
    void filtersSelectAndCombine()
    {
        QFETCH(AuditSearch, filter);
        QFETCH(QList<qint64>, expected);
        AuditModel model(fixturePath());
        const auto check = tester(model);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setFilter(filter);
        QCOMPARE(reset.count(), 1);
        QVERIFY(model.filter() == filter);
        fetchAll(model);
        QCOMPARE(seqsOf(model), expected);
        QVERIFY(model.lastError().message.isEmpty());
        model.setFilter(AuditSearch{});
        QCOMPARE(model.rowCount(), 12);
    }

    void freeTextIsDataNeverSql_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<qint64>>("expected");
        QTest::newRow("quote or true") << QStringLiteral("' OR '1'='1") << QList<qint64>{};
        QTest::newRow("comment out the rest") << QStringLiteral("x') OR 1=1 --") << QList<qint64>{};
        QTest::newRow("drop table") << QStringLiteral("'); DROP TABLE audit; --") << QList<qint64>{};
        QTest::newRow("union") << QStringLiteral("' UNION SELECT seq, hash FROM audit --") << QList<qint64>{};
        QTest::newRow("percent is literal") << QStringLiteral("%") << QList<qint64>{10};
        QTest::newRow("underscore is literal") << QStringLiteral("0%_d") << QList<qint64>{10};
        QTest::newRow("backslash is literal") << QStringLiteral("\\x") << QList<qint64>{10};
        QTest::newRow("a quote that is there") << QStringLiteral("dave's") << QList<qint64>{12};
    }
    void freeTextIsDataNeverSql()
    {
        QFETCH(QString, text);
        QFETCH(QList<qint64>, expected);
        const QString path = fixturePath();
        AuditModel model(path);
        const auto check = tester(model);
        AuditSearch search;
        search.text = text;
        model.setFilter(search);
        fetchAll(model);
        QCOMPARE(seqsOf(model), expected);
        QVERIFY(model.lastError().message.isEmpty());
        // The condition carries the text only as a bound value.
        QVERIFY(!search.condition().sql.contains(text.trimmed()));
        // The table is intact.
        model.setFilter(AuditSearch{});
        QCOMPARE(model.rowCount(), 12);
        const auto report = model.verifyChain();
        QVERIFY(report);
        QVERIFY(report->ok);
    }

    void statusFilterParses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("low");
        QTest::addColumn<int>("high");
        QTest::newRow("code") << QStringLiteral("404") << true << 404 << 404;
        QTest::newRow("class") << QStringLiteral("5xx") << true << 500 << 599;
        QTest::newRow("class upper case, spaces") << QStringLiteral(" 2XX ") << true << 200 << 299;
        QTest::newRow("not a status") << QStringLiteral("abc") << false << 0 << 0;
        QTest::newRow("too big") << QStringLiteral("600") << false << 0 << 0;
        QTest::newRow("partial class") << QStringLiteral("4x") << false << 0 << 0;
        QTest::newRow("sql") << QStringLiteral("404 OR 1=1") << false << 0 << 0;
        QTest::newRow("empty") << QString() << false << 0 << 0;
    }
    void statusFilterParses()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(int, low);
        QFETCH(int, high);
        const auto parsed = StatusRange::parse(text);
        QCOMPARE(parsed.ok(), valid);
        if (valid) {
            QCOMPARE(parsed->low, low);
            QCOMPARE(parsed->high, high);
        } else {
            QCOMPARE(parsed.error().code, QStringLiteral("invalid_filter"));
            QVERIFY(parsed.error().message.contains(QStringLiteral("4xx")));
        }
    }

    void emptySearchHasNoCondition()
    {
        QVERIFY(AuditSearch{}.isEmpty());
        QVERIFY(AuditSearch{}.condition().values.isEmpty());
        AuditSearch blankText;
        blankText.text = QStringLiteral("   ");
        QVERIFY(blankText.isEmpty());
        AuditSearch service;
        service.service = QStringLiteral("x");
        QVERIFY(!service.isEmpty());
    }

    void liveTailInsertsNewRowsAtTheTop()
    {
        const QString path = pathWithRows(5);
        AuditModel model(path);
        const auto check = tester(model);
        AuditSearch github;
        github.service = QStringLiteral("github");
        model.setFilter(github);
        QCOMPARE(seqsOf(model), descending(5, 1));
        QCOMPARE(model.refreshNewRows(), 0);

        AuditLog log(path);
        QVERIFY(log.append(simpleRow(6)));
        QVERIFY(log.append(simpleRow(7, QStringLiteral("stripe")))); // does not match the filter
        QVERIFY(log.append(simpleRow(8)));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QCOMPARE(model.refreshNewRows(), 2);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 1);
        QCOMPARE(seqsOf(model), (QList<qint64>{8, 6, 5, 4, 3, 2, 1}));
        QCOMPARE(model.refreshNewRows(), 0);
    }

    void liveTailAfterABigBurstReloads()
    {
        const QString path = pathWithRows(3);
        AuditModel model(path);
        const auto check = tester(model);
        {
            // A burst bigger than the live tail takes.
            AuditLog log(path);
            for (int i = 0; i < AuditModel::kLiveTailLimit + 5; ++i)
                QVERIFY(log.append(simpleRow(i)));
        }
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QCOMPARE(model.refreshNewRows(), AuditModel::kLiveTailLimit + 1);
        QCOMPARE(reset.count(), 1);
        const qint64 newest = 3 + AuditModel::kLiveTailLimit + 5;
        QCOMPARE(model.index(0, 0).data(AuditModel::SeqRole).toLongLong(), newest);
        fetchAll(model);
        QCOMPARE(seqsOf(model), descending(newest, 1));
    }

    void concurrentWriterDoesNotBreakPaging()
    {
        const QString path = pathWithRows(1000);
        std::atomic<bool> stop{false};
        std::atomic<int> appended{0};
        std::atomic<bool> failed{false};
        QThread *writer = QThread::create([&] {
            AuditLog log(path);
            while (!stop.load()) {
                if (!log.append(simpleRow(appended.load()))) {
                    failed = true;
                    return;
                }
                ++appended;
            }
        });
        writer->start();
        while (appended.load() < 20)
            QThread::msleep(1);

        AuditModel model(path);
        const auto check = tester(model);
        int tailed = 0;
        while (model.canFetchMore()) {
            model.fetchMore();
            tailed += model.refreshNewRows();
            QThread::msleep(2);
        }
        stop = true;
        writer->wait();
        delete writer;
        QVERIFY(!failed.load());
        QVERIFY2(appended.load() > 20, "the writer did not run while the model paged");
        tailed += model.refreshNewRows();
        QVERIFY(tailed > 0);
        // Every row exactly once, newest first: no duplicates, no gaps across pages and tail inserts.
        QCOMPARE(seqsOf(model), descending(1000 + appended.load(), 1));
    }

    void exportEqualsTheFilteredRows_data()
    {
        QTest::addColumn<AuditSearch>("filter");
        QTest::newRow("everything") << AuditSearch{};
        AuditSearch s;
        s.service = QStringLiteral("stripe");
        s.text = QStringLiteral("v1");
        QTest::newRow("service and text") << s;
        s = AuditSearch{};
        s.decision = QStringLiteral("nothing-like-this");
        QTest::newRow("no rows") << s;
    }
    void exportEqualsTheFilteredRows()
    {
        QFETCH(AuditSearch, filter);
        const QString path = fixturePath();
        AuditModel model(path);
        const auto check = tester(model);
        model.setFilter(filter);
        fetchAll(model);
        const QList<qint64> shown = seqsOf(model);

        // JSONL: one object per line, as `keyward log --json` prints each row.
        QBuffer jsonl;
        jsonl.open(QIODevice::WriteOnly);
        const auto lines = model.exportRows(jsonl, AuditModel::ExportFormat::Jsonl);
        QVERIFY(lines);
        QCOMPARE(*lines, qint64(shown.size()));
        AuditLog log(path);
        const auto all = log.query({});
        QVERIFY(all);
        QList<qint64> exported;
        const QList<QByteArray> jsonLines = jsonl.data().split('\n');
        QCOMPARE(jsonLines.constLast(), QByteArray()); // every line ends with \n
        for (qsizetype i = 0; i + 1 < jsonLines.size(); ++i) {
            const auto object = nlohmann::json::parse(jsonLines.at(i).toStdString(), nullptr, false);
            QVERIFY(object.is_object());
            const qint64 seq = object.at("seq").get<qint64>();
            exported << seq;
            QVERIFY(object == keyward::auditRowJson(all->at(seq - 1)));
        }
        QCOMPARE(exported, shown);

        // CSV: a header and the same rows.
        QBuffer csv;
        csv.open(QIODevice::WriteOnly);
        const auto records = model.exportRows(csv, AuditModel::ExportFormat::Csv);
        QVERIFY(records);
        QCOMPARE(*records, qint64(shown.size()));
        const QList<QStringList> parsed = parseCsv(QString::fromUtf8(csv.data()));
        QCOMPARE(parsed.size(), shown.size() + 1);
        QCOMPARE(parsed.at(0).first(), QStringLiteral("seq"));
        QCOMPARE(parsed.at(0).size(), 19);
        QList<qint64> csvSeqs;
        for (qsizetype i = 1; i < parsed.size(); ++i) {
            QCOMPARE(parsed.at(i).size(), 19);
            csvSeqs << parsed.at(i).at(0).toLongLong();
            const AuditRow &row = all->at(csvSeqs.constLast() - 1);
            QCOMPARE(parsed.at(i).at(6), row.path);
            QCOMPARE(parsed.at(i).at(18), row.hash);
        }
        QCOMPARE(csvSeqs, shown);
    }

    void csvQuotesCommasQuotesAndNewlines()
    {
        const QString path = freshPath();
        AuditLog log(path);
        AuditRow row = simpleRow(1);
        row.path = QStringLiteral("/a,b");
        row.reason = QStringLiteral("he said \"no\"\r\nthen left");
        row.rule = QStringLiteral("=HYPERLINK(\"http://evil.example\")");
        row.requestBody = QStringLiteral("line1\nline2, \"quoted\"");
        row.responseBody = std::nullopt;
        row.agent = QStringLiteral("plain");
        QVERIFY(log.append(row));
        AuditModel model(path);
        const auto check = tester(model);
        QBuffer csv;
        csv.open(QIODevice::WriteOnly);
        QVERIFY(model.exportRows(csv, AuditModel::ExportFormat::Csv));
        const QByteArray bytes = csv.data();
        QVERIFY(bytes.contains("\"/a,b\""));
        QVERIFY(bytes.contains("\"he said \"\"no\"\"\r\nthen left\""));
        QVERIFY(bytes.contains(",plain,")); // plain fields stay unquoted
        const QList<QStringList> parsed = parseCsv(QString::fromUtf8(bytes));
        QCOMPARE(parsed.size(), 2);
        const QStringList &record = parsed.at(1);
        QCOMPARE(record.size(), 19);
        QCOMPARE(record.at(6), row.path);
        QCOMPARE(record.at(14), *row.reason);
        QCOMPARE(record.at(15), *row.requestBody);
        QCOMPARE(record.at(16), QString()); // NULL response body
        // A formula is defused with a leading quote.
        QCOMPARE(record.at(13), QString(u'\'' + *row.rule));
        QCOMPARE(record.at(8), QStringLiteral("200"));
    }

    void exportToAClosedDeviceIsAnError()
    {
        AuditModel model(fixturePath());
        QBuffer closed;
        const auto exported = model.exportRows(closed, AuditModel::ExportFormat::Csv);
        QVERIFY(!exported);
        QCOMPARE(exported.error().code, QStringLiteral("export_error"));
    }

    void verifyChainReportsTheFirstBadRow()
    {
        const QString path = fixturePath();
        AuditModel model(path);
        auto report = model.verifyChain();
        QVERIFY(report);
        QVERIFY(report->ok);
        QCOMPARE(report->rows, qint64(12));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("UPDATE audit SET path = '/elsewhere' WHERE seq = 5")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
        report = model.verifyChain();
        QVERIFY(report);
        QVERIFY(!report->ok);
        QCOMPARE(report->badSeq, std::optional<qint64>(5));
    }

    void theModelNeverWrites()
    {
        const QString path = fixturePath();
        const QByteArray before = [&path] {
            QFile file(path);
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        }();
        {
            AuditModel model(path);
            const auto check = tester(model);
            AuditSearch search;
            search.text = QStringLiteral("'); DELETE FROM audit; --");
            model.setFilter(search);
            model.refreshNewRows();
            QBuffer sink;
            sink.open(QIODevice::WriteOnly);
            QVERIFY(model.exportRows(sink, AuditModel::ExportFormat::Jsonl));
            QVERIFY(model.verifyChain());
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before);
    }
};

QTEST_MAIN(TestAuditModel)
#include "tst_auditmodel.moc"
