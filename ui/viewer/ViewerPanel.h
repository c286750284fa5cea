// The middle of the main window: the open document (PDF pages, or a codebase or text
// file with line numbers), a find bar, and the placeholder, loading and error states.
#pragma once

#include "analysis/AnalysisTypes.h"
#include "ui/shell/AppSettings.h"
#include "ui/worker/LibraryEntry.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QStackedWidget;

namespace lv::ui {

class CodebaseView;
class EmptyState;
class FindBar;
class PdfView;

class ViewerPanel : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Placeholder, Loading, Pdf, Code, Message };

    explicit ViewerPanel(QWidget* parent = nullptr);
    ~ViewerPanel() override;

    void setPlaceholder(QWidget* placeholder); // shown when no document is open
    void showPlaceholder();

    // PDFs are opened on a worker thread; password: one already known for the file.
    void openEntry(const LibraryEntry& entry, const ViewPosition& position,
                   const QString& password = {});
    // The answer to passwordRequired; an empty password gives up.
    void unlock(const QString& password);
    // The entry changed in the library (re-read from disk): reload what is shown.
    void reload(const LibraryEntry& entry);

    qint64 documentId() const { return entry_ ? entry_->info.id : 0; }
    std::optional<LibraryEntry> entry() const { return entry_; }
    Mode mode() const { return mode_; }

    // Opens the cited page or lines. A citation that arrives while the document is
    // still opening is shown once it is open.
    void showCitation(const analysis::Citation& citation);
    ViewPosition position() const;

    int pageCount() const;
    int currentPage() const;
    QString pageLabel(int page) const;
    bool hasPageLabels() const;
    void goToPage(int page);
    bool goToLabel(const QString& label);
    void nextPage();
    void previousPage();

    bool canZoom() const;
    double zoom() const;
    bool isFitWidth() const;
    void zoomIn();
    void zoomOut();
    void fitWidth();
    void actualSize();

    void activateFind();
    void findNext();
    void findPrevious();

    PdfView* pdfView() const { return pdf_; }
    CodebaseView* codebaseView() const { return code_; }
    FindBar* findBar() const { return findBar_; }

signals:
    void passwordRequired(const QString& path, bool wrongPassword);
    void documentShown(qint64 documentId);
    void navigationChanged(); // page, page count or zoom changed
    void removeRequested(qint64 documentId);
    void locateRequested(qint64 documentId);
    void unlockRequested();

private:
    void setMode(Mode mode);
    void openPdf(const QString& password);
    void applyPendingCitation();
    void showMessage(const QIcon& icon, const QString& title, const QString& body);
    void restorePosition();

    QStackedWidget* stack_ = nullptr;
    QWidget* placeholder_ = nullptr;
    EmptyState* loading_ = nullptr;
    EmptyState* message_ = nullptr;
    PdfView* pdf_ = nullptr;
    CodebaseView* code_ = nullptr;
    FindBar* findBar_ = nullptr;
    QTimer loadingDelay_; // the loading state appears only when opening takes a while

    Mode mode_ = Mode::Placeholder;
    std::optional<LibraryEntry> entry_;
    ViewPosition position_;
    std::optional<analysis::Citation> pendingCitation_;
    quint64 generation_ = 0;
    bool triedPassword_ = false;
};

} // namespace lv::ui
