#pragma once

#include "audit/auditrow.h"
#include "audit/auditsearch.h"
#include "core/result.h"
#include "models/auditmodel.h"

#include <QDateTime>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace keyward::gui {

// The audit browser (DESIGN.md "GUI"): a thin binding of an AuditModel over the home's audit.db.
// A filter bar (service, agent, decision, status, time from/to, free text) sets the model's
// filter a moment after the last edit; a field that does not parse is named under the bar and the
// filter in force stays. The table pages in rows as it scrolls (the model's fetchMore). The
// detail pane shows the selected row with every column and its redacted request and response
// bodies (pretty-printed when they are JSON). "Live tail" asks the model for new rows every
// second while the window is shown. Export writes every matching row as CSV or JSON Lines to a file only the user can read
// (0600); Verify checks the hash chain and shows the result in the window.
class AuditWindow : public QWidget {
    Q_OBJECT
public:
    // The filter bar's texts, as typed.
    struct FilterTexts {
        QString service;
        QString agent;
        QString decision; // empty: any
        QString status;   // "404" or "4xx"
        QString from;     // RFC 3339 or relative ("15m", "2h", "7d")
        QString to;
        QString text;
    };

    static constexpr int kFilterDelayMs = 250;
    static constexpr int kLiveTailMs = 1000;

    explicit AuditWindow(const QString &databasePath, QWidget *parent = nullptr);
    ~AuditWindow() override;

    AuditModel &model() { return *m_model; }

    // The search the filter texts ask for, relative times counted back from `now`; a usage error
    // naming the field when one does not parse.
    static Result<AuditSearch> searchFrom(const FilterTexts &texts, const QDateTime &now);
    // The detail pane's text for `row`: every column, then the bodies (JSON pretty-printed).
    static QString detailText(const AuditRow &row);

    // Reads the filter bar and, when every field parses, sets the model's filter (also called by
    // the timer after an edit). Returns false and shows the problem when a field does not parse.
    bool applyFilters();
    // Writes every row matching the filter to `path` (created or replaced with mode 0600) and
    // shows the count in the window. Returns the number of rows written.
    Result<qint64> exportTo(const QString &path, AuditModel::ExportFormat format);
    // Verifies the chain and shows the result in the window; returns the report.
    Result<VerifyReport> verifyChain();
    // The text of the detail pane, and of the status line under the table.
    QString detailPaneText() const;
    QString statusText() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void buildFilterBar(QGridLayout *grid);
    void scheduleFilter();
    void showSelectedRow();
    void exportWithDialog(AuditModel::ExportFormat format);
    void setLiveTail(bool on);
    void setStatus(const QString &text);

    AuditModel *m_model = nullptr;
    QLineEdit *m_service = nullptr;
    QLineEdit *m_agent = nullptr;
    QComboBox *m_decision = nullptr;
    QLineEdit *m_status = nullptr;
    QLineEdit *m_from = nullptr;
    QLineEdit *m_to = nullptr;
    QLineEdit *m_text = nullptr;
    QLabel *m_filterProblem = nullptr;
    QTableView *m_table = nullptr;
    QPlainTextEdit *m_detail = nullptr;
    QCheckBox *m_liveTail = nullptr;
    QPushButton *m_exportCsv = nullptr;
    QPushButton *m_exportJsonl = nullptr;
    QPushButton *m_verify = nullptr;
    QLabel *m_statusLine = nullptr;
    QTimer m_filterTimer;
    QTimer m_tailTimer;
};

} // namespace keyward::gui
