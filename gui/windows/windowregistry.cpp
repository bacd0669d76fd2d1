#include "windows/windowregistry.h"

namespace keyward::gui {

WindowRegistry::WindowRegistry(QObject *parent) : QObject(parent) {}

WindowRegistry::~WindowRegistry()
{
    for (const QPointer<QWidget> &window : std::as_const(m_windows))
        delete window.data();
}

void WindowRegistry::add(const QString &name, Factory factory) { m_factories.insert(name, std::move(factory)); }

bool WindowRegistry::show(const QString &name)
{
    const auto factory = m_factories.constFind(name);
    if (factory == m_factories.cend())
        return false;
    QPointer<QWidget> &window = m_windows[name];
    if (!window) {
        window = (*factory)();
        if (!window)
            return false;
        Q_EMIT created(name, window);
    }
    window->show();
    window->setWindowState((window->windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    window->raise();
    window->activateWindow();
    return true;
}

} // namespace keyward::gui
