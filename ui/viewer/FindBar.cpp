#include "ui/viewer/FindBar.h"

#include "ui/shell/Icons.h"
#include "ui/shell/Theme.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace lv::ui {

FindBar::FindBar(QWidget* parent) : QWidget(parent) {
    setAutoFillBackground(true);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(8, 5, 6, 5);
    row->setSpacing(4);

    field_ = new QLineEdit;
    field_->setPlaceholderText(tr("Find in document"));
    field_->setClearButtonEnabled(true);
    field_->addAction(icons::themed(QStringLiteral("edit-find")), QLineEdit::LeadingPosition);
    field_->setMinimumWidth(260);
    field_->installEventFilter(this);

    status_ = new QLabel;
    status_->setMinimumWidth(110);
    theme::useSecondaryText(status_);

    auto makeButton = [this](const QString& icon, const QString& tip) {
        auto* b = new QToolButton;
        b->setIcon(icons::themed(icon));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setFocusPolicy(Qt::NoFocus);
        return b;
    };
    previous_ = makeButton(QStringLiteral("go-up"), tr("Previous match (Shift+F3)"));
    next_ = makeButton(QStringLiteral("go-down"), tr("Next match (F3)"));
    matchCase_ = new QToolButton;
    matchCase_->setText(tr("Aa"));
    matchCase_->setToolTip(tr("Match case"));
    matchCase_->setCheckable(true);
    matchCase_->setAutoRaise(true);
    matchCase_->setFocusPolicy(Qt::NoFocus);
    auto* close = makeButton(QStringLiteral("window-close"), tr("Close the find bar (Esc)"));

    row->addWidget(field_, 2);
    row->addWidget(previous_);
    row->addWidget(next_);
    row->addWidget(matchCase_);
    row->addSpacing(6);
    row->addWidget(status_);
    row->addStretch(1);
    row->addWidget(close);

    // Search as you type, once the typing pauses: a search over 400 pages per
    // keystroke would be wasted work.
    debounce_.setSingleShot(true);
    debounce_.setInterval(250);
    connect(&debounce_, &QTimer::timeout, this, [this] {
        lastSearched_ = field_->text();
        emit searchRequested(field_->text(), caseSensitive());
    });
    connect(field_, &QLineEdit::textChanged, this, [this] { debounce_.start(); });
    connect(field_, &QLineEdit::returnPressed, this, [this] {
        if (debounce_.isActive() || field_->text() != lastSearched_) {
            debounce_.stop();
            lastSearched_ = field_->text();
            emit searchRequested(field_->text(), caseSensitive());
        } else {
            emit nextRequested();
        }
    });
    connect(matchCase_, &QToolButton::toggled, this, [this] {
        lastSearched_ = field_->text();
        emit searchRequested(field_->text(), caseSensitive());
    });
    connect(previous_, &QToolButton::clicked, this, &FindBar::previousRequested);
    connect(next_, &QToolButton::clicked, this, &FindBar::nextRequested);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        emit closed();
    });
    setResult(0, -1, false);
}

QString FindBar::text() const {
    return field_->text();
}
bool FindBar::caseSensitive() const {
    return matchCase_->isChecked();
}

void FindBar::activate(const QString& initialText) {
    show();
    if (!initialText.isEmpty()) field_->setText(initialText);
    field_->setFocus(Qt::ShortcutFocusReason);
    field_->selectAll();
}

void FindBar::setResult(int count, int current, bool searching) {
    previous_->setEnabled(count > 0);
    next_->setEnabled(count > 0);
    if (field_->text().isEmpty()) {
        status_->clear();
    } else if (count == 0) {
        status_->setText(searching ? tr("Searching…") : tr("No matches"));
    } else if (current >= 0) {
        status_->setText(searching ? tr("%1 of %2…").arg(current + 1).arg(count)
                                   : tr("%1 of %2").arg(current + 1).arg(count));
    } else {
        status_->setText(count == 1 ? tr("1 match") : tr("%1 matches").arg(count));
    }
}

void FindBar::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        hide();
        emit closed();
        return;
    }
    QWidget::keyPressEvent(event);
}

bool FindBar::eventFilter(QObject* watched, QEvent* event) {
    if (watched == field_ && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Return && (key->modifiers() & Qt::ShiftModifier)) {
            emit previousRequested();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            hide();
            emit closed();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace lv::ui

#include "moc_FindBar.cpp"
