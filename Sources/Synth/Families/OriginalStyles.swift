import Canvas

/// The original project's four styles, with its exact parameters (see FACTS.md). With
/// `data.families: seed4` letter i draws style i mod 4, as the original did.
public enum OriginalStyles {
    public static let styles: [PatternFamily] = [LineCluster(), Arc(), Pillar(), RadialSpokes()]

    /// original: 25 segments, length U(20,60)·s, random direction, start jittered U(-20,20)·s
    /// around the centre, width max(1, int(4·s)).
    struct LineCluster: PatternFamily {
        let name = "line cluster"
        func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
            let s = context.scale
            canvas.setLineWidth(context.lineWidth(4))
            for _ in 0..<25 {
                let length = random.uniform(20, 60) * s
                let angle = random.uniform(0, 2 * .pi)
                let x = random.uniform(-20, 20) * s, y = random.uniform(-20, 20) * s
                canvas.move(to: x, y)
                canvas.line(to: x + length * cos(angle), y + length * sin(angle))
                canvas.stroke()
            }
        }
    }

    /// original: radius U(40,80)·s, from U(10,80)° to U(260,350)°, width max(1, int(5·s)).
    struct Arc: PatternFamily {
        let name = "arc"
        func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
            let s = context.scale
            let radius = random.uniform(40, 80) * s
            let start = random.uniform(10, 80) * .pi / 180
            let end = random.uniform(260, 350) * .pi / 180
            canvas.setLineWidth(context.lineWidth(5))
            canvas.newPath()
            canvas.arc(cx: 0, cy: 0, radius: radius, start: start, end: end)
            canvas.stroke()
        }
    }

    /// original: rectangle outline, width U(40,60)·s, height U(80,120)·s, line max(1, int(4·s)).
    struct Pillar: PatternFamily {
        let name = "rectangular pillar"
        func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
            let s = context.scale
            let w = random.uniform(40, 60) * s, h = random.uniform(80, 120) * s
            canvas.setLineWidth(context.lineWidth(4))
            canvas.rectangle(x: -w / 2, y: -h / 2, width: w, height: h)
            canvas.stroke()
        }
    }

    /// original: randint(6,12) spokes, max_len U(40,80)·s, angle 2πi/n + U(-0.2,0.2),
    /// length max_len·U(0.5,1), width max(1, int(4·s)).
    struct RadialSpokes: PatternFamily {
        let name = "radial spokes"
        func draw(on canvas: ImageCanvas, context: PatternContext, random: inout SampleRandom) {
            let s = context.scale
            let n = random.int(6, 12)
            let maxLength = random.uniform(40, 80) * s
            canvas.setLineWidth(context.lineWidth(4))
            for i in 0..<n {
                let angle = 2 * .pi * Double(i) / Double(n) + random.uniform(-0.2, 0.2)
                let length = maxLength * random.uniform(0.5, 1)
                canvas.move(to: 0, 0)
                canvas.line(to: length * cos(angle), length * sin(angle))
                canvas.stroke()
            }
        }
    }
}

import Foundation
