#include "ui/viewer/ViewerPanel.h"

#include "ui/shell/EmptyState.h"
#include "ui/shell/Icons.h"
#include "ui/viewer/CodeEditor.h"
#include "ui/viewer/CodebaseView.h"
#include "ui/viewer/FindBar.h"
#include "ui/viewer/PdfView.h"
#include "ui/worker/DeliverResult.h"

#include <QDir>
#include <QFileInfo>
#include <QProgressBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lv::ui {

namespace {
QString qs(const std::string& s) {
    return QString::fromStdString(s);
}
} // namespace

ViewerPanel::ViewerPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    stack_ = new QStackedWidget;

    placeholder_ = new QWidget;
    loading_ = new EmptyState;
    auto* busy = new QProgressBar;
    busy->setRange(0, 0);
    busy->setTextVisible(false);
    busy->setMaximumHeight(6);
    loading_->setExtra(busy);
    message_ = new EmptyState;
    pdf_ = new PdfView;
    code_ = new CodebaseView;

    stack_->addWidget(placeholder_);
    stack_->addWidget(loading_);
    stack_->addWidget(pdf_);
    stack_->addWidget(code_);
    stack_->addWidget(message_);

    findBar_ = new FindBar;
    findBar_->hide();
    layout->addWidget(stack_, 1);
    layout->addWidget(findBar_);

    loadingDelay_.setSingleShot(true);
    loadingDelay_.setInterval(150);
    connect(&loadingDelay_, &QTimer::timeout, this, [this] {
        if (mode_ == Mode::Loading) stack_->setCurrentWidget(loading_);
    });

    connect(pdf_, &PdfView::currentPageChanged, this, &ViewerPanel::navigationChanged);
    connect(pdf_, &PdfView::zoomChanged, this, &ViewerPanel::navigationChanged);
    connect(pdf_, &PdfView::matchesChanged, findBar_, &FindBar::setResult);
    connect(code_->editor(), &CodeEditor::matchesChanged, findBar_, &FindBar::setResult);
    connect(findBar_, &FindBar::searchRequested, this, [this](const QString& text, bool cs) {
        if (mode_ == Mode::Pdf) pdf_->find(text, cs);
        if (mode_ == Mode::Code) code_->editor()->find(text, cs);
    });
    connect(findBar_, &FindBar::nextRequested, this, &ViewerPanel::findNext);
    connect(findBar_, &FindBar::previousRequested, this, &ViewerPanel::findPrevious);
    connect(findBar_, &FindBar::closed, this, [this] {
        pdf_->clearFind();
        code_->editor()->clearFind();
        if (mode_ == Mode::Pdf) pdf_->setFocus();
        if (mode_ == Mode::Code) code_->editor()->setFocus();
    });
    connect(code_, &CodebaseView::fileLoaded, this, [this] { emit navigationChanged(); });
    setMode(Mode::Placeholder);
}

ViewerPanel::~ViewerPanel() = default;

void ViewerPanel::setPlaceholder(QWidget* placeholder) {
    const bool current = stack_->currentWidget() == placeholder_;
    stack_->removeWidget(placeholder_);
    placeholder_->deleteLater();
    placeholder_ = placeholder;
    stack_->insertWidget(0, placeholder_);
    if (current) stack_->setCurrentWidget(placeholder_);
}

void ViewerPanel::setMode(Mode mode) {
    mode_ = mode;
    switch (mode) {
    case Mode::Placeholder:
        stack_->setCurrentWidget(placeholder_);
        break;
    case Mode::Loading:
        loadingDelay_.start();
        break;
    case Mode::Pdf:
        stack_->setCurrentWidget(pdf_);
        break;
    case Mode::Code:
        stack_->setCurrentWidget(code_);
        break;
    case Mode::Message:
        stack_->setCurrentWidget(message_);
        break;
    }
    if (mode != Mode::Pdf && mode != Mode::Code) findBar_->hide();
    emit navigationChanged();
}

void ViewerPanel::showPlaceholder() {
    ++generation_;
    entry_.reset();
    pendingCitation_.reset();
    pdf_->setDocument(nullptr);
    code_->clear();
    setMode(Mode::Placeholder);
}

void ViewerPanel::showMessage(const QIcon& icon, const QString& title, const QString& body) {
    message_->setIcon(icon);
    message_->setTitle(title);
    message_->setBody(body);
    message_->clearButtons();
    setMode(Mode::Message);
}

void ViewerPanel::openEntry(const LibraryEntry& entry, const ViewPosition& position,
                            const QString& password) {
    ++generation_;
    entry_ = entry;
    position_ = position;
    pendingCitation_.reset();
    triedPassword_ = false;
    findBar_->hide();
    pdf_->clearFind();
    code_->editor()->clearFind();

    const QString path = entry.sourcePath();
    if (!QFileInfo::exists(path)) {
        pdf_->setDocument(nullptr);
        code_->clear();
        showMessage(icons::themed(QStringLiteral("dialog-warning")), tr("The source is missing"),
                    tr("Longview read <b>%1</b> from<br>%2<br>but it is no longer there. Its text, "
                       "summaries and conversations are still in the library.")
                        .arg(entry.title().toHtmlEscaped(), path.toHtmlEscaped()));
        const qint64 id = entry.info.id;
        connect(message_->addButton(tr("Locate…"), icons::themed(QStringLiteral("document-open")),
                                    true),
                &QPushButton::clicked, this, [this, id] { emit locateRequested(id); });
        connect(message_->addButton(tr("Remove from Library"),
                                    icons::themed(QStringLiteral("edit-delete"))),
                &QPushButton::clicked, this, [this, id] { emit removeRequested(id); });
        return;
    }

    switch (entry.info.kind) {
    case analysis::DocumentKind::Pdf:
        code_->clear();
        openPdf(password);
        return;
    case analysis::DocumentKind::Codebase: {
        pdf_->setDocument(nullptr);
        code_->setCodebase(path);
        setMode(Mode::Code);
        QString file = position.file;
        if (file.isEmpty() || !QFileInfo::exists(QDir(path).filePath(file))) {
            file.clear();
            for (const char* name :
                 {"README.md", "README", "README.rst", "README.txt", "readme.md"})
                if (QFileInfo::exists(QDir(path).filePath(QLatin1String(name)))) {
                    file = QLatin1String(name);
                    break;
                }
        }
        if (!file.isEmpty()) code_->openFile(file);
        emit documentShown(entry.info.id);
        applyPendingCitation();
        return;
    }
    case analysis::DocumentKind::Text:
        pdf_->setDocument(nullptr);
        code_->setSingleFile(path);
        setMode(Mode::Code);
        emit documentShown(entry.info.id);
        applyPendingCitation();
        return;
    }
}

void ViewerPanel::reload(const LibraryEntry& entry) {
    if (!entry_ || entry_->info.id != entry.info.id) return;
    openEntry(entry, position());
}

void ViewerPanel::openPdf(const QString& password) {
    const quint64 generation = ++generation_;
    const QString path = entry_->sourcePath();
    loading_->setIcon(icons::themed(QStringLiteral("application-pdf")));
    loading_->setTitle(tr("Opening %1").arg(entry_->title()));
    loading_->setBody(QString());
    setMode(Mode::Loading);
    const QByteArray pw = password.toUtf8();
    deliverResult(
        this, QtConcurrent::run([path, pw] { return PdfDocument::open(path, pw); }),
        [this, generation, path, password](const PdfDocument::OpenResult& result) {
            if (generation != generation_) return;
            switch (result.status) {
            case PdfDocument::OpenStatus::Ok:
                pdf_->setDocument(result.document);
                setMode(Mode::Pdf);
                restorePosition();
                emit documentShown(entry_->info.id);
                applyPendingCitation();
                return;
            case PdfDocument::OpenStatus::NeedsPassword:
            case PdfDocument::OpenStatus::WrongPassword: {
                showMessage(icons::themed(QStringLiteral("dialog-password")),
                            tr("This PDF is protected"),
                            tr("Enter its password to see the pages."));
                connect(message_->addButton(tr("Unlock…"),
                                            icons::themed(QStringLiteral("dialog-password")), true),
                        &QPushButton::clicked, this, &ViewerPanel::unlockRequested);
                emit passwordRequired(path,
                                      result.status == PdfDocument::OpenStatus::WrongPassword);
                return;
            }
            case PdfDocument::OpenStatus::Failed:
                showMessage(icons::themed(QStringLiteral("dialog-warning")),
                            tr("This PDF cannot be shown"), result.error.toHtmlEscaped());
                return;
            }
        });
}

void ViewerPanel::unlock(const QString& password) {
    if (!entry_ || entry_->info.kind != analysis::DocumentKind::Pdf) return;
    if (password.isEmpty()) return; // the locked message stays, with its Unlock button
    openPdf(password);
}

void ViewerPanel::restorePosition() {
    if (position_.zoom > 0)
        pdf_->setZoom(position_.zoom);
    else
        pdf_->setFitWidth();
    if (position_.page > 0) pdf_->goToPage(position_.page);
}

void ViewerPanel::showCitation(const analysis::Citation& citation) {
    if (!entry_ || citation.documentId != entry_->info.id) return;
    pendingCitation_ = citation;
    if (mode_ == Mode::Pdf || mode_ == Mode::Code) applyPendingCitation();
}

void ViewerPanel::applyPendingCitation() {
    if (!pendingCitation_) return;
    const analysis::Citation c = *pendingCitation_;
    pendingCitation_.reset();
    if (mode_ == Mode::Pdf && c.pageIndex >= 0) {
        pdf_->showTarget(c.pageIndex, qs(c.quote));
        pdf_->setFocus();
    } else if (mode_ == Mode::Code) {
        if (code_->isSingleFile() || c.filePath.empty())
            code_->editor()->showLines(c.lineStart, c.lineEnd);
        else
            code_->openFile(qs(c.filePath), c.lineStart, c.lineEnd);
        code_->editor()->setFocus();
    }
}

ViewPosition ViewerPanel::position() const {
    ViewPosition p;
    if (mode_ == Mode::Pdf) {
        p.page = std::max(0, pdf_->currentPage());
        p.zoom = pdf_->isFitWidth() ? 0 : pdf_->zoom();
    } else if (mode_ == Mode::Code) {
        p.file = code_->isSingleFile() ? QString() : code_->currentFile();
        p.page = code_->editor()->firstVisibleLine();
    } else {
        p = position_;
    }
    return p;
}

int ViewerPanel::pageCount() const {
    return mode_ == Mode::Pdf && pdf_->document() ? pdf_->document()->pageCount() : 0;
}

int ViewerPanel::currentPage() const {
    return mode_ == Mode::Pdf ? pdf_->currentPage() : -1;
}

QString ViewerPanel::pageLabel(int page) const {
    return pdf_->document() ? pdf_->document()->pageLabel(page) : QString();
}

bool ViewerPanel::hasPageLabels() const {
    return pdf_->document() && pdf_->document()->hasCustomLabels();
}

void ViewerPanel::goToPage(int page) {
    if (mode_ == Mode::Pdf) pdf_->goToPage(page);
}

bool ViewerPanel::goToLabel(const QString& label) {
    if (mode_ != Mode::Pdf || !pdf_->document()) return false;
    const int page = pdf_->document()->pageForLabel(label);
    if (page < 0) return false;
    pdf_->goToPage(page);
    return true;
}

void ViewerPanel::nextPage() {
    if (mode_ == Mode::Pdf) pdf_->goToPage(std::min(pageCount() - 1, pdf_->currentPage() + 1));
}

void ViewerPanel::previousPage() {
    if (mode_ == Mode::Pdf) pdf_->goToPage(std::max(0, pdf_->currentPage() - 1));
}

bool ViewerPanel::canZoom() const {
    return mode_ == Mode::Pdf || mode_ == Mode::Code;
}
double ViewerPanel::zoom() const {
    return mode_ == Mode::Pdf ? pdf_->zoom() : 1.0;
}
bool ViewerPanel::isFitWidth() const {
    return mode_ == Mode::Pdf && pdf_->isFitWidth();
}

void ViewerPanel::zoomIn() {
    if (mode_ == Mode::Pdf) pdf_->zoomIn();
    if (mode_ == Mode::Code) code_->editor()->zoomIn();
}

void ViewerPanel::zoomOut() {
    if (mode_ == Mode::Pdf) pdf_->zoomOut();
    if (mode_ == Mode::Code) code_->editor()->zoomOut();
}

void ViewerPanel::fitWidth() {
    if (mode_ == Mode::Pdf) pdf_->setFitWidth();
}

void ViewerPanel::actualSize() {
    if (mode_ == Mode::Pdf) pdf_->setZoom(1.0);
    if (mode_ == Mode::Code) code_->editor()->resetZoom();
}

void ViewerPanel::activateFind() {
    if (mode_ != Mode::Pdf && mode_ != Mode::Code) return;
    QString initial;
    if (mode_ == Mode::Code) initial = code_->editor()->textCursor().selectedText();
    if (initial.contains(QChar::ParagraphSeparator)) initial.clear();
    findBar_->activate(initial);
}

void ViewerPanel::findNext() {
    if (findBar_->isHidden()) return activateFind();
    if (mode_ == Mode::Pdf) pdf_->nextMatch();
    if (mode_ == Mode::Code) code_->editor()->nextMatch();
}

void ViewerPanel::findPrevious() {
    if (findBar_->isHidden()) return activateFind();
    if (mode_ == Mode::Pdf) pdf_->previousMatch();
    if (mode_ == Mode::Code) code_->editor()->previousMatch();
}

} // namespace lv::ui

#include "moc_ViewerPanel.cpp"
