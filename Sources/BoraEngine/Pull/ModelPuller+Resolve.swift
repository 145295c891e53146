import Foundation

extension ModelPuller {
    /// Finds the file, its size and its SHA-256: for `hf:` from the repository listing (git LFS records each
    /// file's sha256), for a URL from `--sha256`, a `URL.sha256` file next to it, or an ETag that is a sha256.
    func resolve(_ source: PullSource, sha256: String?) async throws(EngineError) -> Target {
        switch source {
        case let .hub(repo, selector):
            let auth = token.map { ["Authorization": "Bearer " + $0] } ?? [:]
            let listing = try url(endpoint.absoluteString + "/api/models/\(repo)/tree/main?recursive=true", for: source)
            let (head, body) = try await get(listing, headers: auth, for: source)
            switch head.status {
            case 200: break
            case 401, 403:
                throw .download(url: source.description, message: "access denied (HTTP \(head.status)): for a private or gated repository, accept its terms on the website and set HF_TOKEN to an access token")
            case 404:
                throw .download(url: source.description, message: "no such repository at \(endpoint.absoluteString) (HTTP 404): check OWNER/REPO; a private repository also needs HF_TOKEN")
            default:
                throw .download(url: source.description, message: "the hub answered HTTP \(head.status) to \(listing.absoluteString); try again later, or check HF_ENDPOINT")
            }
            let files: [HubFile]
            do { files = try JSONDecoder().decode([HubFile].self, from: body) } catch {
                throw .download(url: listing.absoluteString, message: "the repository listing is not what the Hugging Face API returns (\(error)); check HF_ENDPOINT")
            }
            let file = try HubFile.pick(selector, from: files, repo: repo)
            let path = file.path.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0) }.joined(separator: "/")
            let resolveURL = try url(endpoint.absoluteString + "/\(repo)/resolve/main/\(path)", for: source)
            guard let hash = sha256 ?? file.sha256 else {
                throw .download(url: resolveURL.absoluteString, message: "the hub states no SHA-256 for '\(file.path)' (it is not stored with git LFS); pass --sha256 HEX to pull it anyway")
            }
            guard let size = file.byteCount else {
                throw .download(url: resolveURL.absoluteString, message: "the hub states no size for '\(file.path)'")
            }
            return Target(url: resolveURL, headers: auth, fileName: file.name, size: size, sha256: hash)

        case let .url(address):
            let head = try await fetchHead(address, for: source)
            guard head.status == 200 else {
                throw .download(url: address.absoluteString, message: head.status == 404 ? "not found (HTTP 404): check the address" : "the server answered HTTP \(head.status)")
            }
            guard let size = head["x-linked-size"].flatMap({ Int($0) }) ?? head.contentLength else {
                throw .download(url: address.absoluteString, message: "the server does not state the file's size (no Content-Length), so the download cannot be checked or resumed")
            }
            var hash = sha256
            if hash == nil, let sibling = URL(string: address.absoluteString + ".sha256"),
               let (h, body) = try? await HTTPStream.get(sibling, limit: 4096), h.status == 200 {
                hash = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isWhitespace).first.flatMap { PullHash.normalized(String($0)) }
            }
            hash = hash ?? head["x-linked-etag"].flatMap(PullHash.normalized) ?? head["etag"].flatMap(PullHash.normalized)
            guard let hash else {
                throw .download(url: address.absoluteString, message: "the source states no SHA-256 (no \(address.lastPathComponent).sha256 next to it, and its ETag is not one); pass --sha256 HEX from the publisher")
            }
            return Target(url: address, headers: [:], fileName: address.lastPathComponent, size: size, sha256: hash)
        }
    }

    private func url(_ text: String, for source: PullSource) throws(EngineError) -> URL {
        guard let u = URL(string: text) else { throw .download(url: source.description, message: "'\(text)' is not a valid URL; check HF_ENDPOINT") }
        return u
    }

    private func get(_ url: URL, headers: [String: String], for source: PullSource) async throws(EngineError) -> (HTTPHead, Data) {
        do { return try await HTTPStream.get(url, headers: headers) } catch let e as EngineError { throw e } catch {
            throw unreachable(url, error)
        }
    }

    private func fetchHead(_ url: URL, for source: PullSource) async throws(EngineError) -> HTTPHead {
        do { return try await HTTPStream.fetch(url, method: "HEAD") } catch let e as EngineError { throw e } catch {
            throw unreachable(url, error)
        }
    }

    private func unreachable(_ url: URL, _ error: Error) -> EngineError {
        .download(url: url.absoluteString, message: "cannot reach the server (\(error.localizedDescription)); check the network, the address, or HF_ENDPOINT")
    }
}
