#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

namespace keyward::gui {

// The tray app's top-level windows by name ("services", "audit", "alerts", "clients", "settings"),
// for the tray menu and `keyward --show NAME`. Each window is made by its factory the first time it
// is shown and kept (hidden when closed) until the registry is destroyed, which deletes it; a
// window that deleted itself is made again next time. Requires a QApplication; GUI thread only.
class WindowRegistry {
public:
    WindowRegistry() = default;
    ~WindowRegistry();
    WindowRegistry(const WindowRegistry &) = delete;
    WindowRegistry &operator=(const WindowRegistry &) = delete;

    // Registers (or replaces) the factory of the window `name`; the factory returns a new
    // top-level widget, owned by the registry from then on.
    void registerWindow(const QString &name, std::function<QWidget *()> factory);
    // Shows the window `name` (made now if needed), raised and activated; false when no window of
    // that name is registered.
    bool show(const QString &name);
    // The registered names, sorted.
    QStringList names() const;

private:
    QHash<QString, std::function<QWidget *()>> m_factories;
    QHash<QString, QPointer<QWidget>> m_windows;
};

} // namespace keyward::gui
