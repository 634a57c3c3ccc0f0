import Canvas
import Foundation

/// Twenty-six visually distinct pattern families, one per letter A–Z.
///
/// The families differ in gross structure (outline vs filled, closed vs open, curved vs
/// straight, dots vs strokes, one part vs several, round vs square vs pointed silhouette) so
/// that they stay apart when drawn small, blurred and rotated; inside a family counts, sizes,
/// proportions and angles vary from sample to sample. All sizes are in the 256-px frame at
/// `context.scale` 1, where a pattern reaches about 55–85 px from the centre.
public enum ASL26Families {
    /// In letter order: `families[0]` draws A.
    public static let families: [PatternFamily] = [
        LineCluster(),     // A
        OpenArc(),         // B
        Pillar(),          // C
        RadialSpokes(),    // D
        ConcentricRings(), // E
        Zigzag(),          // F
        DotLattice(),      // G
        Waves(),           // H
        TriangleOutline(), // I
        FilledDisc(),      // J
        NestedSquares(),   // K
        Chevrons(),        // L
        Hash(),            // M
        Star(),            // N
        Plus(),            // O
        RingOfDots(),      // P
        Crescent(),        // Q
        FilledTriangle(),  // R
        ParallelBars(),    // S
        Target(),          // T
        Wheel(),           // U
        Dumbbell(),        // V
        Bowtie(),          // W
        Donut(),           // X
        Spiral(),          // Y
        Arrow(),           // Z
    ]
}

// MARK: - Shared primitives

private typealias Point = (x: Double, y: Double)

private extension PatternContext {
    /// Stroke width: the original's `base · scale`, but never under 2.5 px in the 256-px frame,
    /// so a far (small) pattern still shows a solid line after the 2× downsizing to the
    /// model's input instead of a faint grey trace lost in the noise.
    func strokeWidth(_ base: Double) -> Double {
        max(2.5, base * scale)
    }

    /// An absolute perturbation of up to ±`jitter`·`amount` (for positions and angles that may be 0).
    func offset(_ amount: Double, random: inout SampleRandom) -> Double {
        jitter * amount * random.uniform(-1, 1)
    }

    /// `point` moved by up to ±`jitter`·`amount` on each axis.
    func shifted(_ point: Point, by amount: Double, random: inout SampleRandom) -> Point {
        (point.x + offset(amount, random: &random), point.y + offset(amount, random: &random))
    }
}

private extension ImageCanvas {
    /// A filled disc.
    func dot(_ center: Point, radius: Double) {
        newPath()
        arc(cx: center.x, cy: center.y, radius: radius, start: 0, end: 2 * .pi)
        fill()
    }

    /// A stroked full circle.
    func strokeCircle(_ center: Point, radius: Double) {
        newPath()
        arc(cx: center.x, cy: center.y, radius: radius, start: 0, end: 2 * .pi)
        stroke()
    }

    /// Starts a new path through `points`, closed when asked; the caller strokes or fills it.
    func path(_ points: [Point], closed: Bool = false) {
        newPath()
        guard let first = points.first else { return }
        move(to: first.x, first.y)
        for p in points.dropFirst() { line(to: p.x, p.y) }
        if closed { closePath() }
    }

    /// A stroked segment.
    func segment(_ a: Point, _ b: Point) {
        path([a, b])
        stroke()
    }
}

/// Points on a circle around `center` from angle `start` to `end` (either direction).
private func arcPoints(_ center: Point, radius: Double, from start: Double, to end: Double, steps: Int = 48) -> [Point] {
    (0...steps).map { i in
        let a = start + (end - start) * Double(i) / Double(steps)
        return (center.x + radius * cos(a), center.y + radius * sin(a))
    }
}

/// The corners of a regular `sides`-gon of circumradius `radius`, the first at angle `rotation`,
/// each corner's radius and angle perturbed by the context's jitter.
private func polygon(sides: Int, radius: Double, rotation: Double, context: PatternContext, random: inout SampleRandom) -> [Point] {
    (0..<sides).map { i in
        let a = rotation + 2 * .pi * Double(i) / Double(sides) + context.offset(0.3, random: &random)
        let r = context.jittered(radius, relative: 0.5, random: &random)
        return (r * cos(a), r * sin(a))
    }
}

/// An angle near `base` (default "up", −y), varied by up to ±`spread` radians. Families keep a
/// rough orientation of their own; turning the whole pattern is the renderer's job.
private func tilt(_ random: inout SampleRandom, base: Double = -.pi / 2, spread: Double = 0.3) -> Double {
    base + random.uniform(-spread, spread)
}

// MARK: - Stroked lines and curves

/// A: a tangle of 18–30 straight sticks of random direction heaped around the centre (the
/// original "line cluster" style, with the sticks' middles scattered so it reads as a pile,
/// not as spokes).
struct LineCluster: PatternFamily {
    let name = "line cluster"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let spread = random.uniform(28, 38)
        canvas.setLineWidth(context.strokeWidth(4))
        for _ in 0..<random.int(18, 30) {
            let half = context.jittered(random.uniform(18, 32), relative: 0.5, random: &random) * s
            let angle = random.uniform(0, 2 * .pi)
            // The middle, uniform over a disc of radius `spread`.
            let r = spread * random.unit().squareRoot() * s, a = random.uniform(0, 2 * .pi)
            let middle = (r * cos(a), r * sin(a))
            let dx = half * cos(angle), dy = half * sin(angle)
            canvas.segment((middle.0 - dx, middle.1 - dy), (middle.0 + dx, middle.1 + dy))
        }
    }
}

/// B: one thick, clearly open circular arc (a "C") spanning 160–290°.
struct OpenArc: PatternFamily {
    let name = "open arc"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let radius = context.jittered(random.uniform(45, 80), relative: 0.3, random: &random) * s
        let start = random.uniform(10, 80) * .pi / 180 // as the original: the gap faces +x
        let span = random.uniform(160, 290) * .pi / 180 + context.offset(0.2, random: &random)
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.newPath()
        canvas.arc(cx: 0, cy: 0, radius: radius, start: start, end: start + span)
        canvas.stroke()
    }
}

/// D: 6–12 straight spokes of uneven length radiating from the centre (the original style).
struct RadialSpokes: PatternFamily {
    let name = "radial spokes"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let n = random.int(6, 12)
        let maxLength = random.uniform(50, 82) * s
        let phase = tilt(&random)
        canvas.setLineWidth(context.strokeWidth(5))
        for i in 0..<n {
            let angle = phase + 2 * .pi * Double(i) / Double(n) + random.uniform(-0.2, 0.2) + context.offset(0.3, random: &random)
            let length = context.jittered(maxLength * random.uniform(0.55, 1), relative: 0.3, random: &random)
            canvas.segment((0, 0), (length * cos(angle), length * sin(angle)))
        }
    }
}

/// F: one long zigzag line with 3–5 tall, sharp teeth (a band about 3–6 times as long as high).
struct Zigzag: PatternFamily {
    let name = "zigzag"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let halfLength = random.uniform(60, 82) * s
        let teeth = random.int(3, 5)
        let amplitude = random.uniform(0.8, 1.1) * (2 * halfLength / Double(teeth)) // peak to peak
        let corners = (0...(2 * teeth)).map { i -> Point in
            let x = -halfLength + 2 * halfLength * Double(i) / Double(2 * teeth)
            let y = (i % 2 == 0 ? -amplitude : amplitude) / 2
            return context.shifted((x, y), by: 0.15 * amplitude, random: &random)
        }
        canvas.setLineWidth(context.strokeWidth(5))
        canvas.path(corners)
        canvas.stroke()
    }
}

/// H: three or four parallel smooth sine waves stacked above each other (≋).
struct Waves: PatternFamily {
    let name = "waves"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let lines = random.int(3, 4)
        let halfLength = random.uniform(50, 70) * s
        let gap = random.uniform(18, 24) * s
        let periods = random.uniform(1.5, 2.5)
        let amplitude = random.uniform(0.25, 0.4) * gap
        canvas.setLineWidth(context.strokeWidth(5))
        for k in 0..<lines {
            let y0 = (Double(k) - Double(lines - 1) / 2) * gap + context.offset(0.15 * gap, random: &random)
            let phase = context.offset(0.5, random: &random)
            let points = (0...60).map { i -> Point in
                let t = Double(i) / 60
                return (-halfLength + 2 * halfLength * t, y0 + amplitude * sin(2 * .pi * periods * t + phase))
            }
            canvas.path(points)
            canvas.stroke()
        }
    }
}

/// L: three sharp "V" chevrons stacked and pointing the same way (⋙), thick strokes.
struct Chevrons: PatternFamily {
    let name = "chevrons"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let count = 3
        let halfHeight = random.uniform(38, 52) * s
        let depth = halfHeight * random.uniform(0.9, 1.2) // sharp Vs: an arrowhead-shaped stack
        let spacing = random.uniform(20, 28) * s
        canvas.setLineWidth(context.strokeWidth(6))
        for k in 0..<count {
            let tipX = (Double(k) - 1) * spacing + depth / 2
            let tip = context.shifted((tipX, 0), by: 0.1 * spacing, random: &random)
            let h = context.jittered(halfHeight, relative: 0.2, random: &random)
            canvas.path([(tipX - depth, -h), tip, (tipX - depth, h)])
            canvas.stroke()
        }
    }
}

/// M: a hash sign (#): two parallel lines crossed by two others, the ends sticking out.
struct Hash: PatternFamily {
    let name = "hash"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let halfLength = random.uniform(50, 66) * s
        let halfGap = halfLength * random.uniform(0.3, 0.45)
        let slant = random.uniform(-0.15, 0.15) // a slightly sheared #
        canvas.setLineWidth(context.strokeWidth(6))
        for side in [-1.0, 1.0] {
            let a = context.jittered(halfGap, relative: 0.3, random: &random) * side
            let b = context.jittered(halfGap, relative: 0.3, random: &random) * side
            let l1 = context.jittered(halfLength, relative: 0.2, random: &random)
            let l2 = context.jittered(halfLength, relative: 0.2, random: &random)
            canvas.segment((a - slant * l1, -l1), (a + slant * l1, l1)) // vertical-ish pair
            canvas.segment((-l2, b), (l2, b)) // horizontal pair
        }
    }
}

/// Y: an Archimedean spiral of about two turns drawn from the centre outwards.
struct Spiral: PatternFamily {
    let name = "spiral"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let turns = random.uniform(1.6, 2.4)
        let radius = context.jittered(random.uniform(55, 80), relative: 0.3, random: &random) * s
        let phase = tilt(&random)
        let steps = Int(turns * 48)
        let points = (0...steps).map { i -> Point in
            let t = Double(i) / Double(steps)
            let a = phase + 2 * .pi * turns * t
            return (radius * t * cos(a), radius * t * sin(a))
        }
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.path(points)
        canvas.stroke()
    }
}

// MARK: - Outlines

/// C: an upright rectangle outline, about twice as tall as wide (the original "pillar").
struct Pillar: PatternFamily {
    let name = "rectangular pillar"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let w = context.jittered(random.uniform(40, 60), relative: 0.3, random: &random) * s
        let h = context.jittered(random.uniform(90, 125), relative: 0.2, random: &random) * s
        let shear = context.offset(0.1, random: &random) * h
        canvas.setLineWidth(context.strokeWidth(5))
        canvas.path([(-w / 2 - shear, -h / 2), (w / 2 - shear, -h / 2), (w / 2 + shear, h / 2), (-w / 2 + shear, h / 2)], closed: true)
        canvas.stroke()
    }
}

/// E: three or four evenly spaced concentric circles, the centre left empty.
struct ConcentricRings: PatternFamily {
    let name = "concentric rings"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let rings = random.int(3, 4)
        let outer = random.uniform(55, 80) * s
        canvas.setLineWidth(context.strokeWidth(5))
        for k in 1...rings {
            let r = context.jittered(outer * Double(k) / Double(rings), relative: 0.15, random: &random)
            let center = context.shifted((0, 0), by: 0.05 * outer, random: &random)
            canvas.strokeCircle(center, radius: r)
        }
    }
}

/// I: the outline of a roughly equilateral triangle.
struct TriangleOutline: PatternFamily {
    let name = "triangle outline"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let radius = random.uniform(58, 78) * context.scale
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.path(polygon(sides: 3, radius: radius, rotation: tilt(&random), context: context, random: &random), closed: true)
        canvas.stroke()
    }
}

/// K: two or three concentric square outlines.
struct NestedSquares: PatternFamily {
    let name = "nested squares"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let count = random.int(2, 3)
        let outer = random.uniform(42, 58) * s // half side: the corners reach ≈ 60–82
        let inner = outer * random.uniform(0.25, 0.4)
        canvas.setLineWidth(context.strokeWidth(5))
        for k in 0..<count {
            let half = context.jittered(inner + (outer - inner) * Double(k) / Double(count - 1), relative: 0.1, random: &random)
            let c = context.shifted((0, 0), by: 0.05 * outer, random: &random)
            canvas.path([(c.x - half, c.y - half), (c.x + half, c.y - half), (c.x + half, c.y + half), (c.x - half, c.y + half)], closed: true)
            canvas.stroke()
        }
    }
}

/// U: a wheel: a circular rim with 5–8 spokes from a small hub.
struct Wheel: PatternFamily {
    let name = "wheel"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let radius = context.jittered(random.uniform(55, 80), relative: 0.2, random: &random) * s
        let spokes = random.int(5, 8)
        let phase = tilt(&random)
        canvas.setLineWidth(context.strokeWidth(5))
        canvas.strokeCircle((0, 0), radius: radius)
        for i in 0..<spokes {
            let a = phase + 2 * .pi * Double(i) / Double(spokes) + context.offset(0.3, random: &random)
            canvas.segment((0, 0), (radius * cos(a), radius * sin(a)))
        }
        canvas.dot((0, 0), radius: radius * 0.15)
    }
}

/// T: a target: a thin ring around a filled centre disc, with a clear gap between them.
struct Target: PatternFamily {
    let name = "target"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let radius = context.jittered(random.uniform(55, 80), relative: 0.2, random: &random) * s
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.strokeCircle((0, 0), radius: radius)
        let center = context.shifted((0, 0), by: 0.08 * radius, random: &random)
        canvas.dot(center, radius: radius * random.uniform(0.3, 0.45))
    }
}

// MARK: - Filled shapes

/// J: one solid filled disc.
struct FilledDisc: PatternFamily {
    let name = "filled disc"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let radius = context.jittered(random.uniform(50, 75), relative: 0.3, random: &random) * context.scale
        canvas.dot(context.shifted((0, 0), by: 0.1 * radius, random: &random), radius: radius)
    }
}

/// N: a filled five-pointed star with deep notches.
struct Star: PatternFamily {
    let name = "star"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let outer = random.uniform(56, 80) * s
        let inner = outer * random.uniform(0.35, 0.45)
        let rotation = tilt(&random)
        let points = (0..<10).map { i -> Point in
            let r = context.jittered(i % 2 == 0 ? outer : inner, relative: 0.4, random: &random)
            let a = rotation + .pi * Double(i) / 5 + context.offset(0.15, random: &random)
            return (r * cos(a), r * sin(a))
        }
        canvas.path(points, closed: true)
        canvas.fill()
    }
}

/// O: a thick filled plus sign with four equal arms.
struct Plus: PatternFamily {
    let name = "plus"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let arm = random.uniform(55, 80) * s
        let half = arm * random.uniform(0.22, 0.32) // half the bar thickness
        for vertical in [false, true] {
            let a1 = context.jittered(arm, relative: 0.3, random: &random)
            let a2 = context.jittered(arm, relative: 0.3, random: &random)
            canvas.newPath()
            if vertical {
                canvas.rectangle(x: -half, y: -a1, width: 2 * half, height: a1 + a2)
            } else {
                canvas.rectangle(x: -a1, y: -half, width: a1 + a2, height: 2 * half)
            }
            canvas.fill()
        }
    }
}

/// Q: a filled crescent: a disc with an offset disc cut out of it.
struct Crescent: PatternFamily {
    let name = "crescent"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let big = context.jittered(random.uniform(52, 72), relative: 0.2, random: &random) * s
        let small = big * random.uniform(0.8, 0.95)
        let d = big * random.uniform(0.4, 0.6) // centre of the cut, on +x
        // Where the two circles cross: (x, ±y).
        let x = (big * big - small * small + d * d) / (2 * d)
        let y = max(0, big * big - x * x).squareRoot()
        let outerAngle = atan2(y, x), innerAngle = atan2(y, x - d)
        let outer = arcPoints((0, 0), radius: big, from: outerAngle, to: 2 * .pi - outerAngle)
        let inner = arcPoints((d, 0), radius: small, from: -innerAngle, to: innerAngle - 2 * .pi)
        let shift = big * 0.2 + context.offset(0.1 * big, random: &random) // centre the crescent's bulk
        canvas.path((outer + inner).map { ($0.x + shift, $0.y) }, closed: true)
        canvas.fill()
    }
}

/// R: a solid filled, roughly equilateral triangle.
struct FilledTriangle: PatternFamily {
    let name = "filled triangle"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let radius = random.uniform(55, 80) * context.scale
        canvas.path(polygon(sides: 3, radius: radius, rotation: tilt(&random), context: context, random: &random), closed: true)
        canvas.fill()
    }
}

/// S: three or four thick filled parallel bars with gaps about as wide as the bars.
struct ParallelBars: PatternFamily {
    let name = "parallel bars"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let bars = random.int(3, 4)
        let halfLength = random.uniform(45, 62) * s
        let pitch = random.uniform(28, 36) * s * 3 / Double(bars)
        let thickness = pitch * random.uniform(0.45, 0.6)
        for k in 0..<bars {
            let y = (Double(k) - Double(bars - 1) / 2) * pitch + context.offset(0.1 * pitch, random: &random)
            let l = context.jittered(halfLength, relative: 0.3, random: &random)
            let shift = context.offset(0.2 * halfLength, random: &random)
            canvas.newPath()
            canvas.rectangle(x: -l + shift, y: y - thickness / 2, width: 2 * l, height: thickness)
            canvas.fill()
        }
    }
}

/// W: a bowtie: two filled triangles meeting tip to tip at the centre (⧓).
struct Bowtie: PatternFamily {
    let name = "bowtie"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let length = random.uniform(50, 68) * s
        let halfWidth = length * random.uniform(0.45, 0.7)
        for side in [-1.0, 1.0] {
            let l = context.jittered(length, relative: 0.2, random: &random) * side
            let w1 = context.jittered(halfWidth, relative: 0.3, random: &random)
            let w2 = context.jittered(halfWidth, relative: 0.3, random: &random)
            canvas.path([(0, 0), (l, -w1), (l, w2)], closed: true)
            canvas.fill()
        }
    }
}

/// X: a donut: one thick closed ring (an annulus) with an empty centre.
struct Donut: PatternFamily {
    let name = "donut"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let outer = context.jittered(random.uniform(50, 80), relative: 0.2, random: &random) * s
        let band = outer * random.uniform(0.3, 0.45)
        canvas.setLineWidth(band)
        canvas.strokeCircle(context.shifted((0, 0), by: 0.05 * outer, random: &random), radius: outer - band / 2)
    }
}

// MARK: - Dots

/// G: a square lattice of 3×3 or 4×4 filled dots.
struct DotLattice: PatternFamily {
    let name = "dot lattice"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let n = random.int(3, 4)
        let half = random.uniform(40, 52) * s // half the lattice side: corners at ≈ 57–74
        let pitch = 2 * half / Double(n - 1)
        let radius = pitch * random.uniform(0.18, 0.25)
        for i in 0..<n {
            for j in 0..<n {
                let p = (-half + Double(i) * pitch, -half + Double(j) * pitch)
                canvas.dot(context.shifted(p, by: 0.12 * pitch, random: &random),
                           radius: context.jittered(radius, relative: 0.3, random: &random))
            }
        }
    }
}

/// P: 8–14 evenly spaced dots on a circle, nothing inside.
struct RingOfDots: PatternFamily {
    let name = "ring of dots"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let n = random.int(8, 14)
        let radius = context.jittered(random.uniform(52, 72), relative: 0.2, random: &random) * s
        let dotRadius = radius * random.uniform(0.11, 0.15)
        let phase = tilt(&random)
        for i in 0..<n {
            let a = phase + 2 * .pi * Double(i) / Double(n) + context.offset(0.2, random: &random)
            let r = context.jittered(radius, relative: 0.1, random: &random)
            canvas.dot((r * cos(a), r * sin(a)), radius: dotRadius)
        }
    }
}

/// V: a dumbbell: two large filled discs joined by a straight bar.
struct Dumbbell: PatternFamily {
    let name = "dumbbell"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let halfLength = random.uniform(46, 60) * s // centre to each disc's centre
        let ball = halfLength * random.uniform(0.3, 0.38)
        let ends = [-1.0, 1.0].map { side -> Point in
            context.shifted((side * context.jittered(halfLength, relative: 0.2, random: &random), 0), by: 0.1 * halfLength, random: &random)
        }
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.segment(ends[0], ends[1])
        for end in ends {
            canvas.dot(end, radius: context.jittered(ball, relative: 0.3, random: &random))
        }
    }
}

/// Z: an arrow: a straight shaft ending in a filled triangular head.
struct Arrow: PatternFamily {
    let name = "arrow"
    func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
        let s = context.scale
        let halfLength = random.uniform(62, 82) * s
        let headLength = halfLength * random.uniform(0.45, 0.65)
        let headHalfWidth = headLength * random.uniform(0.55, 0.8)
        let tip = context.jittered(halfLength, relative: 0.15, random: &random)
        let tail = -context.jittered(halfLength, relative: 0.3, random: &random)
        let base = tip - headLength
        canvas.setLineWidth(context.strokeWidth(6))
        canvas.segment((tail, context.offset(0.1 * headHalfWidth, random: &random)), (base, 0))
        canvas.path([(tip, 0), (base, -headHalfWidth), (base, headHalfWidth)], closed: true)
        canvas.fill()
    }
}
