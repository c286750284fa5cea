#include "analysis/PromptParts.h"

#include "core/Error.h"

namespace lv::analysis {

const char* const kSystemPrompt =
    "You are Longview, a careful reader of long documents. Answer only from the document "
    "you are given. After every statement, cite where it comes from: the page as "
    "[p. 12] for PDFs, the file and line as [src/main.c:40] for code, the line as "
    "[name:12] for text. If the document does not say, answer that it does not.";

namespace {
// Never produced by a tokenizer's text or a document: marks the cut.
constexpr const char* kCut = "\x01\x02LONGVIEW-CUT\x02\x01";
} // namespace

PromptParts splitPrompt(const ChatTemplate& chat, const std::string& documentText,
                        const std::vector<Turn>& history, const std::string& question) {
    std::vector<ChatMessage> messages;
    messages.push_back({"system", kSystemPrompt});
    const std::string docIntro = "Document:\n\n" + documentText + "\n\n";
    if (history.empty()) {
        messages.push_back({"user", docIntro + kCut + "Question: " + question});
    } else {
        messages.push_back({"user", docIntro + kCut + "Question: " + history.front().question});
        messages.push_back({"assistant", history.front().answer});
        for (std::size_t i = 1; i < history.size(); ++i) {
            messages.push_back({"user", history[i].question});
            messages.push_back({"assistant", history[i].answer});
        }
        messages.push_back({"user", question});
    }
    const std::string rendered = chat.render(messages, true);
    const auto cut = rendered.find(kCut);
    if (cut == std::string::npos)
        throw EngineError("chat template dropped the document from the prompt");
    return {rendered.substr(0, cut), rendered.substr(cut + std::string(kCut).size())};
}

} // namespace lv::analysis
