import Foundation

/// Which files of a folder asl-lab's generator wrote, so that replacing a data set never
/// deletes anything else: `dataset.json`, `labels.csv`, `labels.xlsx` and, in the 26 letter
/// folders, images named `L_nnnnn.png`. Everything else (a model saved there, notes, a hidden
/// file, a sub-folder, a link) belongs to someone else.
enum DatasetInventory {
    static let topLevelFiles: Set<String> = [DatasetManifest.fileName, "labels.csv", "labels.xlsx"]

    /// The paths (relative to `folder`) that asl-lab did not write, sorted; empty when the
    /// folder holds only a data set's files or nothing.
    static func filesNotWrittenByAsllab(in folder: String) -> [String] {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: folder) else { return ["(the folder cannot be listed)"] }
        var foreign: [String] = []
        for name in names.sorted() {
            let path = (folder as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let isFile = info.st_mode & S_IFMT == S_IFREG, isFolder = info.st_mode & S_IFMT == S_IFDIR
            if isFile && topLevelFiles.contains(name) { continue }
            guard isFolder, Letters.all.contains(name) else {
                foreign.append(name)
                continue
            }
            for inner in ((try? manager.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                var innerInfo = stat()
                let innerPath = (path as NSString).appendingPathComponent(inner)
                guard lstat(innerPath, &innerInfo) == 0 else { continue }
                if innerInfo.st_mode & S_IFMT == S_IFREG && isImageName(inner, letter: name) { continue }
                foreign.append(name + "/" + inner)
            }
        }
        return foreign
    }

    /// `A_00012.png` in folder `A`: the names the generator gives.
    static func isImageName(_ name: String, letter: String) -> Bool {
        guard name.hasPrefix(letter + "_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst(letter.count + 1).dropLast(4)
        return digits.count >= 5 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
