/// Something that renders to an SVG document.
public protocol SVGRenderable: Sendable {
    /// The SVG markup; `id` must be unique within an embedding HTML document.
    func svg(id: String?) -> String
}

extension Figure: SVGRenderable {}
