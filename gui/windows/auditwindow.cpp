#include "windows/auditwindow.h"

#include "core/timespec.h"
#include "tray/trayicons.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace keyward::gui {

namespace {

const char *const kDecisions[] = {"allowed", "denied", "killed", "approved", "error", "change", "anchor"};

// A body as shown: indented when it is a JSON object or array, as stored otherwise.
QString bodyText(const std::optional<QString> &body)
{
    if (!body)
        return AuditWindow::tr("(not recorded)");
    if (body->isEmpty())
        return AuditWindow::tr("(empty)");
    const QJsonDocument json = QJsonDocument::fromJson(body->toUtf8());
    if (!json.isNull())
        return QString::fromUtf8(json.toJson(QJsonDocument::Indented)).trimmed();
    return *body;
}

// Opens `path` for writing, created or truncated, readable by the user only.
Result<void> openPrivate(QFile &file)
{
#ifdef Q_OS_UNIX
    const QByteArray native = QFile::encodeName(file.fileName());
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::fchmod(fd, 0600) != 0) {
        if (fd >= 0)
            ::close(fd);
        return Error{QStringLiteral("export_failed"),
                     AuditWindow::tr("Could not write %1: check that the folder exists and is writable.").arg(file.fileName())};
    }
    if (!file.open(fd, QIODevice::WriteOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return Error{QStringLiteral("export_failed"), AuditWindow::tr("Could not write %1 (%2).").arg(file.fileName(), file.errorString())};
    }
#else
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{QStringLiteral("export_failed"), AuditWindow::tr("Could not write %1 (%2).").arg(file.fileName(), file.errorString())};
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
#endif
    return {};
}

} // namespace

AuditWindow::AuditWindow(const QString &databasePath, QWidget *parent) : QWidget(parent)
{
    setWindowTitle(tr("Keyward: audit log"));
    setWindowIcon(applicationIcon());
    setAccessibleName(tr("Audit log"));
    m_model = new AuditModel(databasePath, this);

    auto *layout = new QVBoxLayout(this);
    auto *grid = new QGridLayout;
    buildFilterBar(grid);
    layout->addLayout(grid);
    m_filterProblem = new QLabel(this);
    m_filterProblem->setObjectName(QStringLiteral("filterProblem"));
    m_filterProblem->setAccessibleName(tr("Filter problem"));
    m_filterProblem->setWordWrap(true);
    m_filterProblem->setStyleSheet(QStringLiteral("color: palette(link);"));
    m_filterProblem->hide();
    layout->addWidget(m_filterProblem);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_table = new QTableView(splitter);
    m_table->setObjectName(QStringLiteral("rows"));
    m_table->setAccessibleName(tr("Audit rows, newest first"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setTabKeyNavigation(false); // Tab leaves the table; arrows move within it
    m_table->setColumnWidth(AuditModel::Time, m_table->fontMetrics().horizontalAdvance(QStringLiteral("2026-11-26 12:00:00.000")) + 24);
    m_table->setColumnWidth(AuditModel::Path, 240);
    m_detail = new QPlainTextEdit(splitter);
    m_detail->setObjectName(QStringLiteral("detail"));
    m_detail->setAccessibleName(tr("Selected row"));
    m_detail->setReadOnly(true);
    m_detail->setTabChangesFocus(true);
    m_detail->setPlaceholderText(tr("Select a row to see every column and its redacted request and response."));
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    layout->addWidget(splitter, 1);

    auto *actions = new QHBoxLayout;
    m_liveTail = new QCheckBox(tr("&Live tail"), this);
    m_liveTail->setObjectName(QStringLiteral("liveTail"));
    m_liveTail->setAccessibleName(tr("Live tail"));
    m_liveTail->setToolTip(tr("Show new rows as agents make calls"));
    m_exportCsv = new QPushButton(tr("Export &CSV…"), this);
    m_exportCsv->setObjectName(QStringLiteral("exportCsv"));
    m_exportCsv->setAccessibleName(tr("Export the matching rows as CSV"));
    m_exportJsonl = new QPushButton(tr("Export &JSONL…"), this);
    m_exportJsonl->setObjectName(QStringLiteral("exportJsonl"));
    m_exportJsonl->setAccessibleName(tr("Export the matching rows as JSON Lines"));
    m_verify = new QPushButton(tr("&Verify chain"), this);
    m_verify->setObjectName(QStringLiteral("verify"));
    m_verify->setAccessibleName(tr("Verify the hash chain of the audit log"));
    m_statusLine = new QLabel(this);
    m_statusLine->setObjectName(QStringLiteral("statusLine"));
    m_statusLine->setAccessibleName(tr("Result"));
    m_statusLine->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    actions->addWidget(m_liveTail);
    actions->addWidget(m_exportCsv);
    actions->addWidget(m_exportJsonl);
    actions->addWidget(m_verify);
    actions->addWidget(m_statusLine, 1);
    layout->addLayout(actions);

    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(kFilterDelayMs);
    connect(&m_filterTimer, &QTimer::timeout, this, &AuditWindow::applyFilters);
    m_tailTimer.setInterval(kLiveTailMs);
    connect(&m_tailTimer, &QTimer::timeout, m_model, &AuditModel::refreshNewRows);
    connect(m_liveTail, &QCheckBox::toggled, this, &AuditWindow::setLiveTail);
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { exportWithDialog(AuditModel::ExportFormat::Csv); });
    connect(m_exportJsonl, &QPushButton::clicked, this, [this] { exportWithDialog(AuditModel::ExportFormat::Jsonl); });
    connect(m_verify, &QPushButton::clicked, this, [this] { (void)verifyChain(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AuditWindow::showSelectedRow);
    connect(m_model, &QAbstractItemModel::modelReset, this, &AuditWindow::showSelectedRow);
    connect(m_model, &AuditModel::errorOccurred, this, &AuditWindow::setStatus);
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, this, [this] {
        m_text->setFocus();
        m_text->selectAll();
    });

    m_liveTail->setChecked(true);
    resize(1000, 650);
}

AuditWindow::~AuditWindow() = default;

void AuditWindow::buildFilterBar(QGridLayout *grid)
{
    auto field = [this, grid](int row, int column, const QString &label, const QString &name, const QString &placeholder) {
        auto *edit = new QLineEdit(this);
        edit->setObjectName(name);
        edit->setPlaceholderText(placeholder);
        edit->setClearButtonEnabled(true);
        auto *caption = new QLabel(label, this);
        caption->setBuddy(edit);
        edit->setAccessibleName(QString(label).remove(u'&'));
        grid->addWidget(caption, row, column * 2);
        grid->addWidget(edit, row, column * 2 + 1);
        connect(edit, &QLineEdit::textChanged, this, &AuditWindow::scheduleFilter);
        return edit;
    };
    m_service = field(0, 0, tr("&Service"), QStringLiteral("service"), tr("any"));
    m_agent = field(0, 1, tr("&Agent"), QStringLiteral("agent"), tr("any"));
    m_decision = new QComboBox(this);
    m_decision->setObjectName(QStringLiteral("decision"));
    m_decision->setAccessibleName(tr("Decision"));
    m_decision->addItem(tr("any"), QString());
    for (const char *decision : kDecisions)
        m_decision->addItem(QString::fromLatin1(decision), QString::fromLatin1(decision));
    auto *decisionLabel = new QLabel(tr("&Decision"), this);
    decisionLabel->setBuddy(m_decision);
    grid->addWidget(decisionLabel, 0, 4);
    grid->addWidget(m_decision, 0, 5);
    connect(m_decision, &QComboBox::currentIndexChanged, this, &AuditWindow::scheduleFilter);
    m_status = field(0, 3, tr("S&tatus"), QStringLiteral("status"), tr("404 or 4xx"));
    m_from = field(1, 0, tr("&From"), QStringLiteral("from"), tr("2h, 7d or 2026-11-26T08:00:00Z"));
    m_to = field(1, 1, tr("T&o"), QStringLiteral("to"), tr("now"));
    m_text = field(1, 2, tr("Searc&h"), QStringLiteral("text"), tr("path, rule, reason, agent or service"));
    grid->addWidget(m_text, 1, 5, 1, 3);
}

Result<AuditSearch> AuditWindow::searchFrom(const FilterTexts &texts, const QDateTime &now)
{
    AuditSearch search;
    search.service = texts.service.trimmed();
    search.agent = texts.agent.trimmed();
    search.decision = texts.decision.trimmed();
    search.text = texts.text.trimmed();
    if (!texts.status.trimmed().isEmpty()) {
        const auto status = StatusRange::parse(texts.status.trimmed());
        if (!status)
            return Error{QStringLiteral("usage"), tr("Status: %1").arg(status.error().message)};
        search.status = *status;
    }
    const std::pair<const QString *, QDateTime *> times[] = {{&texts.from, &search.from}, {&texts.to, &search.to}};
    for (const auto &[text, target] : times) {
        if (text->trimmed().isEmpty())
            continue;
        const auto time = parseTimeSpec(*text, now);
        if (!time)
            return Error{QStringLiteral("usage"),
                         (text == &texts.from ? tr("From: %1") : tr("To: %1")).arg(time.error().message)};
        *target = *time;
    }
    return search;
}

QString AuditWindow::detailText(const AuditRow &row)
{
    QStringList lines;
    auto field = [&lines](const QString &label, const QString &value) {
        lines << QString(label + u':').leftJustified(14) + value;
    };
    field(tr("seq"), QString::number(row.seq));
    field(tr("time"), formatRfc3339Ms(row.time));
    field(tr("agent"), row.agent);
    field(tr("client"), row.client);
    field(tr("service"), row.service);
    field(tr("method"), row.method);
    field(tr("path"), row.path);
    field(tr("query keys"), row.queryKeys.join(QStringLiteral(", ")));
    field(tr("status"), row.status ? QString::number(*row.status) : QString());
    field(tr("duration"), tr("%1 ms").arg(row.durationMs));
    field(tr("bytes in"), QString::number(row.bytesIn));
    field(tr("bytes out"), QString::number(row.bytesOut));
    field(tr("decision"), row.decision);
    field(tr("rule"), row.rule.value_or(QString()));
    field(tr("reason"), row.reason.value_or(QString()));
    field(tr("prev hash"), row.prevHash);
    field(tr("hash"), row.hash);
    lines << QString() << tr("Request body (redacted):") << bodyText(row.requestBody);
    lines << QString() << tr("Response body (redacted):") << bodyText(row.responseBody);
    return lines.join(u'\n');
}

void AuditWindow::scheduleFilter() { m_filterTimer.start(); }

bool AuditWindow::applyFilters()
{
    m_filterTimer.stop();
    const FilterTexts texts{m_service->text(), m_agent->text(), m_decision->currentData().toString(), m_status->text(),
                            m_from->text(),    m_to->text(),    m_text->text()};
    const auto search = searchFrom(texts, QDateTime::currentDateTimeUtc());
    if (!search) {
        m_filterProblem->setText(search.error().message);
        m_filterProblem->show();
        return false;
    }
    m_filterProblem->hide();
    m_filterProblem->clear();
    if (!(*search == m_model->filter()))
        m_model->setFilter(*search);
    return true;
}

void AuditWindow::showSelectedRow()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const auto row = m_model->fullRow(current.row());
    m_detail->setPlainText(row ? detailText(*row) : row.error().message);
}

Result<qint64> AuditWindow::exportTo(const QString &path, AuditModel::ExportFormat format)
{
    QFile file(path);
    if (auto opened = openPrivate(file); !opened) {
        setStatus(opened.error().message);
        return opened.error();
    }
    const auto written = m_model->exportRows(file, format);
    file.close();
    if (!written) {
        setStatus(written.error().message);
        return written.error();
    }
    setStatus(tr("Exported %n row(s) to %1.", nullptr, int(*written)).arg(path));
    return written;
}

void AuditWindow::exportWithDialog(AuditModel::ExportFormat format)
{
    const bool csv = format == AuditModel::ExportFormat::Csv;
    const QString path = QFileDialog::getSaveFileName(
        this, csv ? tr("Export the audit log as CSV") : tr("Export the audit log as JSON Lines"),
        csv ? QStringLiteral("keyward-audit.csv") : QStringLiteral("keyward-audit.jsonl"),
        csv ? tr("CSV files (*.csv)") : tr("JSON Lines files (*.jsonl)"));
    if (path.isEmpty())
        return;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    (void)exportTo(path, format);
    QApplication::restoreOverrideCursor();
}

Result<VerifyReport> AuditWindow::verifyChain()
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const auto report = m_model->verifyChain();
    QApplication::restoreOverrideCursor();
    if (!report) {
        setStatus(report.error().message);
        return report;
    }
    if (report->ok)
        setStatus(tr("Chain verified: %n row(s), none changed or missing.", nullptr, int(report->rows)));
    else
        setStatus(tr("Chain broken at row %1: %2").arg(report->badSeq.value_or(0)).arg(report->problem));
    return report;
}

void AuditWindow::setLiveTail(bool on)
{
    if (on && isVisible()) {
        m_model->refreshNewRows();
        m_tailTimer.start();
    } else {
        m_tailTimer.stop();
    }
}

void AuditWindow::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    setLiveTail(m_liveTail->isChecked());
}

void AuditWindow::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_tailTimer.stop(); // a closed window (kept by the registry) reads nothing
}

void AuditWindow::setStatus(const QString &text) { m_statusLine->setText(text); }

QString AuditWindow::detailPaneText() const { return m_detail->toPlainText(); }

QString AuditWindow::statusText() const { return m_statusLine->text(); }

} // namespace keyward::gui
