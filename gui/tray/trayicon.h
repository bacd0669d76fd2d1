#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

class QAction;
class QCheckBox;
class QLabel;
class QMenu;
class QSystemTrayIcon;
class QWidget;

namespace keyward::gui {

class TrayPresenter;

// The tray icon of the owner (DESIGN.md "GUI"), a thin binding of a TrayPresenter: the icon of
// its state, its tooltip, and a menu with the status line, "Stop all agents" (the global kill
// switch), "Stop one service" (each service's switch), "Services…", "Add service…", "Audit log…", "Alerts…",
// "Clients…", "Settings…" (each asks for its window by name through windowRequested) and Quit.
//
// Where no tray host exists (QSystemTrayIcon::isSystemTrayAvailable() is false, e.g. GNOME without
// the AppIndicator extension) it shows instead a small window with the same status line and kill
// switch, a sentence saying why, and a Quit button. Requires a QApplication.
class TrayIcon : public QObject {
    Q_OBJECT
public:
    // `refreshMs`: how often the call count of the tooltip is asked again.
    explicit TrayIcon(TrayPresenter &presenter, int refreshMs = 30000, QObject *parent = nullptr);
    ~TrayIcon() override;

    // Shows the icon, or the window when there is no tray host.
    void show();
    // Whether a tray host shows the icon; false when the fallback window is used.
    bool usesTrayHost() const { return m_tray != nullptr; }
    // The fallback window (null when a tray host shows the icon).
    QWidget *fallbackWindow() const { return m_window.get(); }

Q_SIGNALS:
    // Quit was chosen (in the menu or the fallback window, or that window was closed).
    void quitRequested();
    // A window was chosen in the menu or the fallback window: "services", "wizard" (Add service…),
    // "audit", "alerts", "clients" or "settings" (WindowRegistry's names).
    void windowRequested(const QString &name);

private:
    // A window the menu (and the fallback window) opens by name (WindowRegistry's names).
    struct WindowEntry {
        QString name;
        QString objectName;
        QString menuText;
        QString buttonText;
        QString toolTip;
    };
    QList<WindowEntry> windowEntries() const;
    void buildMenu();
    void buildWindow();
    void rebuildServiceMenu();
    void update();
    void toggleKill(bool killed);
    void showFailure(const QString &message);
    bool eventFilter(QObject *watched, QEvent *event) override;

    TrayPresenter &m_presenter;
    std::unique_ptr<QMenu> m_menu;
    QSystemTrayIcon *m_tray = nullptr;
    QAction *m_status = nullptr;
    QAction *m_killAll = nullptr;
    QMenu *m_serviceMenu = nullptr;
    std::unique_ptr<QWidget> m_window;
    QLabel *m_windowStatus = nullptr;
    QCheckBox *m_windowKill = nullptr;
    QTimer m_refresh;
};

} // namespace keyward::gui
