#include "windows/windowregistry.h"

namespace keyward::gui {

WindowRegistry::~WindowRegistry()
{
    for (const QPointer<QWidget> &window : std::as_const(m_windows))
        delete window.data();
}

void WindowRegistry::registerWindow(const QString &name, std::function<QWidget *()> factory)
{
    m_factories.insert(name, std::move(factory));
}

bool WindowRegistry::show(const QString &name)
{
    const auto factory = m_factories.constFind(name);
    if (factory == m_factories.cend())
        return false;
    QPointer<QWidget> &window = m_windows[name];
    if (!window)
        window = (*factory)();
    if (!window)
        return false;
    if (window->isMinimized())
        window->showNormal();
    else
        window->show();
    window->raise();
    window->activateWindow();
    return true;
}

QStringList WindowRegistry::names() const
{
    QStringList names = m_factories.keys();
    names.sort();
    return names;
}

} // namespace keyward::gui
