/// max(0, x), element-wise. input (any shape) → output (same shape). Backward passes the
/// gradient where the output was positive.
public enum ReLU {
    public static func forward(_ x: inout Tensor) {
        x.data.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = max(v[i], 0) }
        }
    }

    /// dx = dy · [y > 0], where `y` is the forward output.
    public static func backward(_ dy: inout Tensor, output y: Tensor) {
        dy.data.withUnsafeMutableBufferPointer { g in
            y.data.withUnsafeBufferPointer { o in
                for i in g.indices { g[i] = o[i] > 0 ? g[i] : 0 }
            }
        }
    }
}
