// A chat conversation rendered by the model's template and cut where the document
// ends: the prefix (system text and the whole document) is what the state cache
// keeps; the suffix (question, earlier turns, generation prompt) is read each time.
#pragma once

#include "tokenizer/ChatTemplate.h"

#include <string>
#include <utility>
#include <vector>

namespace lv::analysis {

struct Turn {
    std::string question;
    std::string answer;
};

struct PromptParts {
    std::string prefix;
    std::string suffix;
};

extern const char* const kSystemPrompt;

// history: earlier questions and answers of the session, oldest first.
PromptParts splitPrompt(const ChatTemplate& chat, const std::string& documentText,
                        const std::vector<Turn>& history, const std::string& question);

} // namespace lv::analysis
