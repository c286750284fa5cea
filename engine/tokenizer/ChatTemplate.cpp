#include "tokenizer/ChatTemplate.h"

#include "tokenizer/Tokenizer.h"
#include "tokenizer/TokenizerConfig.h"
#include "tokenizer/Utf8.h"

#include <fstream>
#include <sstream>

namespace lv {

namespace {

std::string strip(std::string_view s) {
    return std::string(utf8::stripWhitespace(s));
}

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
    if (from.empty()) return s;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

[[noreturn]] void unsupportedRole(ChatFormat format, const std::string& role) {
    throw TokenizerError(std::string("chat template ") + chatFormatName(format) +
                         ": cannot write a message with role '" + role + "'");
}

// ibm-granite/granite-4.0-*: a system turn always (a default one when the
// conversation has none), then every turn as
// <|start_of_role|>ROLE<|end_of_role|>CONTENT<|end_of_text|>\n.
std::string renderGranite4(std::span<const ChatMessage> m, bool generation) {
    static const std::string kDefaultSystem = "You are a helpful assistant. Please ensure "
                                              "responses are professional, accurate, and safe.";
    std::string out;
    const bool firstIsSystem = !m.empty() && m[0].role == "system";
    const std::string& system =
        firstIsSystem && !m[0].content.empty() ? m[0].content : kDefaultSystem;
    out += "<|start_of_role|>system<|end_of_role|>" + system + "<|end_of_text|>\n";
    for (std::size_t i = 0; i < m.size(); ++i) {
        const auto& msg = m[i];
        if (msg.role == "user" || (msg.role == "system" && i > 0)) {
            out += "<|start_of_role|>" + msg.role + "<|end_of_role|>" + msg.content +
                   "<|end_of_text|>\n";
        } else if (msg.role == "assistant") {
            out += "<|start_of_role|>assistant<|end_of_role|>" + msg.content + "<|end_of_text|>\n";
        } else if (msg.role == "tool") {
            if (i == 0 || m[i - 1].role != "tool") out += "<|start_of_role|>user<|end_of_role|>";
            out += "\n<tool_response>\n" + msg.content + "\n</tool_response>";
            if (i + 1 == m.size() || m[i + 1].role != "tool") out += "<|end_of_text|>\n";
        } else if (msg.role != "system") {
            unsupportedRole(ChatFormat::Granite4, msg.role);
        }
    }
    if (generation) out += "<|start_of_role|>assistant<|end_of_role|>";
    return out;
}

// tiiuae/Falcon-H1-*-Instruct: {{bos_token}} then a ChatML conversation;
// the system turn only when the conversation has one.
std::string renderFalconH1(std::span<const ChatMessage> m, bool generation,
                           const std::string& bos) {
    std::string out = bos;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const auto& msg = m[i];
        if (msg.role == "system" || msg.role == "user" || msg.role == "assistant") {
            out += "<|im_start|>" + msg.role + "\n" + msg.content + "<|im_end|>\n";
        } else if (msg.role == "tool") {
            if (i == 0 || m[i - 1].role != "tool") out += "<|im_start|>user";
            out += "\n<tool_response>\n" + msg.content + "\n</tool_response>";
            if (i + 1 == m.size() || m[i + 1].role != "tool") out += "<|im_end|>\n";
        } else {
            unsupportedRole(ChatFormat::FalconH1, msg.role);
        }
    }
    if (generation) out += "<|im_start|>assistant\n";
    return out;
}

std::string withoutThinkFlags(const std::string& s) {
    return strip(replaceAll(replaceAll(s, "/think", ""), "/no_think", ""));
}

// nvidia/NVIDIA-Nemotron-Nano-9B-v2 (nemotron_h): <SPECIAL_10>System, then
// <SPECIAL_11>User / <SPECIAL_11>Assistant turns; a final assistant turn is
// written after the thinking marker that /think or /no_think selects.
std::string renderNemotronH(std::span<const ChatMessage> all, bool generation) {
    bool thinking = true;
    for (const auto& msg : all)
        if (msg.role == "user" || msg.role == "system") {
            if (contains(msg.content, "/think"))
                thinking = true;
            else if (contains(msg.content, "/no_think"))
                thinking = false;
        }
    std::string out = "<SPECIAL_10>System\n";
    std::span<const ChatMessage> m = all;
    if (!m.empty() && m[0].role == "system") {
        out += withoutThinkFlags(m[0].content);
        m = m.subspan(1);
    }
    out += "\n";
    std::string last;
    if (!m.empty() && m.back().role == "assistant") {
        last = strip(m.back().content);
        m = m.first(m.size() - 1);
    }
    for (std::size_t i = 0; i < m.size(); ++i) {
        const auto& msg = m[i];
        if (msg.role == "user") {
            out += "<SPECIAL_11>User\n" + withoutThinkFlags(msg.content) + "\n";
        } else if (msg.role == "tool") {
            if (i == 0 || m[i - 1].role != "tool") out += "<SPECIAL_11>User\n<TOOL_RESPONSE>[";
            out += msg.content;
            if (i + 1 < m.size() && m[i + 1].role == "tool") out += ", ";
            if (i + 1 == m.size() || m[i + 1].role != "tool") out += "]</TOOL_RESPONSE>\n";
        } else if (msg.role == "assistant") {
            std::string content = msg.content;
            const auto close = content.find("</think>");
            if (close != std::string::npos) {
                // split('</think>')[1]: the text up to a second "</think>", if any.
                const std::size_t from = close + 8;
                const auto next = content.find("</think>", from);
                content = strip(content.substr(from, next == std::string::npos ? std::string::npos
                                                                               : next - from));
            }
            out += "<SPECIAL_11>Assistant\n" + strip(content) + "\n<SPECIAL_12>\n";
        } else if (msg.role != "system") {
            unsupportedRole(ChatFormat::NemotronH, msg.role);
        }
    }
    const std::string marker = thinking ? "<think>\n" : "<think></think>";
    if (generation) {
        out += "<SPECIAL_11>Assistant\n" + marker + last;
    } else if (!last.empty()) {
        out += "<SPECIAL_11>Assistant\n" + marker + last + "\n<SPECIAL_12>\n";
    }
    return out;
}

// meta-llama/Meta-Llama-3-*-Instruct.
std::string renderLlama3(std::span<const ChatMessage> m, bool generation, const std::string& bos) {
    std::string out;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (i == 0) out += bos;
        out += "<|start_header_id|>" + m[i].role + "<|end_header_id|>\n\n" + strip(m[i].content) +
               "<|eot_id|>";
    }
    if (generation) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

// meta-llama/Llama-3.1-*-Instruct (also 3.2/3.3 without strftime_now): a
// system header with the knowledge cut-off and the template's default date.
std::string renderLlama31(std::span<const ChatMessage> m, bool generation, const std::string& bos) {
    std::string out = bos;
    std::string system;
    if (!m.empty() && m[0].role == "system") {
        system = strip(m[0].content);
        m = m.subspan(1);
    }
    out += "<|start_header_id|>system<|end_header_id|>\n\n";
    out += "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";
    out += system + "<|eot_id|>";
    for (const auto& msg : m) {
        if (msg.role == "tool" || msg.role == "ipython") {
            out += "<|start_header_id|>ipython<|end_header_id|>\n\n" + msg.content + "<|eot_id|>";
            continue;
        }
        out += "<|start_header_id|>" + msg.role + "<|end_header_id|>\n\n" + strip(msg.content) +
               "<|eot_id|>";
    }
    if (generation) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

std::string renderChatML(std::span<const ChatMessage> m, bool generation) {
    std::string out;
    for (const auto& msg : m)
        out += "<|im_start|>" + msg.role + "\n" + msg.content + "<|im_end|>\n";
    if (generation) out += "<|im_start|>assistant\n";
    return out;
}

std::string unescape(std::string_view value, const std::string& where) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\\') {
            out += value[i];
            continue;
        }
        if (i + 1 == value.size()) throw TokenizerError(where + ": a '\\' ends the line");
        const char e = value[++i];
        if (e == 'n')
            out += '\n';
        else if (e == 't')
            out += '\t';
        else if (e == 'r')
            out += '\r';
        else if (e == '\\')
            out += '\\';
        else
            throw TokenizerError(where + ": unknown escape '\\" + std::string(1, e) + "'");
    }
    return out;
}

} // namespace

const char* chatFormatName(ChatFormat format) {
    switch (format) {
    case ChatFormat::Granite4:
        return "granite4";
    case ChatFormat::FalconH1:
        return "falcon-h1";
    case ChatFormat::NemotronH:
        return "nemotron-h";
    case ChatFormat::Llama3:
        return "llama3";
    case ChatFormat::Llama31:
        return "llama3.1";
    case ChatFormat::ChatML:
        return "chatml";
    case ChatFormat::Custom:
        return "custom";
    }
    return "unknown";
}

ChatFormat detectChatFormat(std::string_view jinja, std::string_view modelType) {
    if (!jinja.empty()) {
        if (contains(jinja, "<|start_of_role|>")) return ChatFormat::Granite4;
        if (contains(jinja, "<SPECIAL_10>") || contains(jinja, "<SPECIAL_11>"))
            return ChatFormat::NemotronH;
        if (contains(jinja, "<|start_header_id|>"))
            return contains(jinja, "Cutting Knowledge Date") ? ChatFormat::Llama31
                                                             : ChatFormat::Llama3;
        if (contains(jinja, "<|im_start|>")) {
            // Falcon-H1 writes {{bos_token}} before its first control block.
            const std::string_view head = jinja.substr(0, jinja.find("{%"));
            return contains(head, "bos_token") ? ChatFormat::FalconH1 : ChatFormat::ChatML;
        }
    }
    if (modelType == "granitemoehybrid" || modelType == "granite" || modelType == "granitemoe" ||
        modelType == "granitemoeshared")
        return ChatFormat::Granite4;
    if (modelType == "falcon_h1") return ChatFormat::FalconH1;
    if (modelType == "nemotron_h") return ChatFormat::NemotronH;
    if (modelType == "llama") return ChatFormat::Llama31;
    return ChatFormat::ChatML;
}

ChatTemplate ChatTemplate::builtin(ChatFormat format, std::string bos, std::string eos) {
    if (format == ChatFormat::Custom)
        throw TokenizerError("chat template: a custom format needs its text (fromUserFormat)");
    return ChatTemplate(format, std::move(bos), std::move(eos));
}

ChatTemplate ChatTemplate::fromUserFormat(std::string_view spec, std::string bos, std::string eos,
                                          const std::string& source) {
    ChatTemplate t(ChatFormat::Custom, std::move(bos), std::move(eos));
    bool hasUser = false, hasAssistant = false, hasGeneration = false;
    std::istringstream lines{std::string(spec)};
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        const std::string where = source + ":" + std::to_string(number);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string trimmed = strip(line);
        if (trimmed.empty() || trimmed[0] == '#') continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            throw TokenizerError(where + ": expected 'key: value', got '" + line + "'");
        const std::string key = strip(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        value = unescape(value, where);
        auto needs = [&](const char* placeholder) {
            if (!contains(value, placeholder) && !contains(value, "{content}"))
                throw TokenizerError(where + ": the " + key + " line has no " + placeholder +
                                     " (or {content}) placeholder");
        };
        if (key == "prefix") {
            t.parts_.prefix = value;
        } else if (key == "system") {
            needs("{system}");
            t.parts_.system = value;
            t.parts_.hasSystem = true;
        } else if (key == "user") {
            needs("{user}");
            t.parts_.user = value;
            hasUser = true;
        } else if (key == "assistant") {
            needs("{assistant}");
            t.parts_.assistant = value;
            hasAssistant = true;
        } else if (key == "generation") {
            t.parts_.generation = value;
            hasGeneration = true;
        } else {
            throw TokenizerError(where + ": unknown key '" + key +
                                 "' (prefix, system, user, assistant, generation)");
        }
    }
    if (!hasUser || !hasAssistant)
        throw TokenizerError(source + ": a chat format needs a 'user:' and an 'assistant:' line");
    if (!hasGeneration) {
        const std::string& a = t.parts_.assistant;
        auto at = a.find("{assistant}");
        if (at == std::string::npos) at = a.find("{content}");
        t.parts_.generation = a.substr(0, at);
    }
    return t;
}

ChatTemplate ChatTemplate::fromUserFormatFile(const std::filesystem::path& file, std::string bos,
                                              std::string eos) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw TokenizerError(file.string() + ": cannot read the chat format file");
    std::ostringstream text;
    text << in.rdbuf();
    return fromUserFormat(text.str(), std::move(bos), std::move(eos), file.string());
}

ChatTemplate ChatTemplate::forCheckpoint(const std::filesystem::path& directory,
                                         const std::filesystem::path& userFormatFile) {
    const TokenizerConfig config = readTokenizerConfig(directory);
    std::string bos = config.bosToken.value_or(""), eos = config.eosToken.value_or("");
    if (!userFormatFile.empty()) return fromUserFormatFile(userFormatFile, bos, eos);
    return builtin(detectChatFormat(config.chatTemplate.value_or(""), config.modelType), bos, eos);
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages,
                                 bool addGenerationPrompt) const {
    switch (format_) {
    case ChatFormat::Granite4:
        return renderGranite4(messages, addGenerationPrompt);
    case ChatFormat::FalconH1:
        return renderFalconH1(messages, addGenerationPrompt, bos_);
    case ChatFormat::NemotronH:
        return renderNemotronH(messages, addGenerationPrompt);
    case ChatFormat::Llama3:
        return renderLlama3(messages, addGenerationPrompt, bos_);
    case ChatFormat::Llama31:
        return renderLlama31(messages, addGenerationPrompt, bos_);
    case ChatFormat::ChatML:
        return renderChatML(messages, addGenerationPrompt);
    case ChatFormat::Custom:
        return renderCustom(messages, addGenerationPrompt);
    }
    return {};
}

std::string ChatTemplate::renderCustom(std::span<const ChatMessage> messages,
                                       bool addGenerationPrompt) const {
    // One pass over the pattern, so that braces inside message text stay as they are.
    auto fill = [&](const std::string& pattern, const char* placeholder,
                    const std::string& content) {
        std::string out;
        for (std::size_t i = 0; i < pattern.size();) {
            auto take = [&](std::string_view name, const std::string& value) {
                if (pattern.compare(i, name.size(), name) != 0) return false;
                out += value;
                i += name.size();
                return true;
            };
            if (pattern[i] == '{' && (take(placeholder, content) || take("{content}", content) ||
                                      take("{bos}", bos_) || take("{eos}", eos_)))
                continue;
            out += pattern[i++];
        }
        return out;
    };
    std::string out = fill(parts_.prefix, "{content}", "");
    std::string pendingSystem;
    for (const auto& msg : messages) {
        if (msg.role == "system") {
            if (parts_.hasSystem)
                out += fill(parts_.system, "{system}", msg.content);
            else
                pendingSystem += msg.content + "\n\n";
        } else if (msg.role == "user") {
            out += fill(parts_.user, "{user}", pendingSystem + msg.content);
            pendingSystem.clear();
        } else if (msg.role == "assistant") {
            out += fill(parts_.assistant, "{assistant}", msg.content);
        } else {
            unsupportedRole(ChatFormat::Custom, msg.role);
        }
    }
    if (addGenerationPrompt) out += fill(parts_.generation, "{content}", "");
    return out;
}

} // namespace lv
