import COpenSSL

/// Helpers for OpenSSL's thread-local error queue.
enum OpenSSLErrorQueue {
    /// Empties the queue before an operation whose errors we want to read.
    static func clear() { ERR_clear_error() }

    /// Empties the queue and returns its entries as text, oldest first.
    static func drain() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            let text = buffer.withUnsafeMutableBufferPointer { b -> String in
                ERR_error_string_n(code, b.baseAddress, b.count)
                return String(cString: b.baseAddress!)
            }
            parts.append(text)
        }
        return parts.joined(separator: "; ")
    }
}
