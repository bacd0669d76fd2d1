#pragma once

#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>

namespace keyward::gui {

// The tray app's windows by name ("services", "wizard", ...), one instance each: show() creates a
// window from its factory on first use (or again after it was destroyed, e.g. a wizard deleted when
// it finished) and otherwise shows, raises and activates the one that exists. Factories are
// registered by app/ (which owns the wiring); `keyward --show NAME` and the tray menu both go
// through show(). Windows still open when the registry is destroyed are destroyed with it.
class WindowRegistry : public QObject {
    Q_OBJECT
public:
    using Factory = std::function<QWidget *()>;

    explicit WindowRegistry(QObject *parent = nullptr);
    ~WindowRegistry() override;

    // Registers (or replaces) the factory of `name`. The factory returns a new top-level window.
    void add(const QString &name, Factory factory);
    QStringList names() const { return m_factories.keys(); }

    // Shows the window `name`; false when no factory has that name.
    bool show(const QString &name);
    // The window `name` if it exists now, else null.
    QWidget *window(const QString &name) const { return m_windows.value(name); }

Q_SIGNALS:
    // A window was created by its factory.
    void created(const QString &name, QWidget *window);

private:
    QMap<QString, Factory> m_factories;
    QMap<QString, QPointer<QWidget>> m_windows;
};

} // namespace keyward::gui
