/**
 * The simulated shop's catalogue and customer records, in the IUM e-shop's shapes
 * (products.jsonl: product_id, product_name, category_path, price, brand, weight_kg,
 * optional_attributes; users.jsonl: user_id, name, city, street), so that the `ium` ingest preset
 * reads a simulated shop exactly as the course data. Names and streets are made up from fixed
 * word lists; nothing here resembles a real person.
 */
import type { Rng } from "../core/rng.ts";

export interface Category {
  path: string;
  /** Median price (PLN) of the category's products. */
  medianPrice: number;
  weightKg: number;
  /** Relative popularity when customers pick favourite categories. */
  popularity: number;
}

/** Categories in the course data's style (path levels separated by ";"). */
export const CATEGORIES: readonly Category[] = Object.freeze([
  { path: "Komputery;Laptopy", medianPrice: 3200, weightKg: 2.1, popularity: 3 },
  { path: "Komputery;Tablety", medianPrice: 1400, weightKg: 0.6, popularity: 2 },
  { path: "Akcesoria (Laptop, PC);Fotele gamingowe", medianPrice: 650, weightKg: 19, popularity: 1.5 },
  { path: "Akcesoria (Laptop, PC);Klawiatury", medianPrice: 220, weightKg: 1.1, popularity: 2.5 },
  { path: "Akcesoria (Laptop, PC);Myszki", medianPrice: 120, weightKg: 0.2, popularity: 3 },
  { path: "Akcesoria (Laptop, PC);Monitory", medianPrice: 900, weightKg: 5.5, popularity: 2 },
  { path: "Telefony i akcesoria;Telefony komórkowe", medianPrice: 1600, weightKg: 0.2, popularity: 3 },
  { path: "Telefony i akcesoria;Słuchawki", medianPrice: 250, weightKg: 0.3, popularity: 2.5 },
  { path: "Gry i konsole;Gry komputerowe", medianPrice: 90, weightKg: 0.1, popularity: 3 },
  { path: "Gry i konsole;Konsole", medianPrice: 2200, weightKg: 4.0, popularity: 1.5 },
  { path: "Sprzęt RTV;Video;Telewizory", medianPrice: 2500, weightKg: 12, popularity: 1.5 },
  { path: "Sprzęt RTV;Audio;Głośniki", medianPrice: 400, weightKg: 2.0, popularity: 1.5 },
]);

const BRANDS = ["Zenit", "Orbis", "Kruk", "Vistula", "Polar", "Sokół", "Wawel", "Nord"];
const FIRST_NAMES = ["Anna", "Jan", "Maria", "Piotr", "Zofia", "Adam", "Ewa", "Marek", "Ida", "Tomasz", "Ola", "Kamil"];
const LAST_NAMES = ["Nowak", "Kowal", "Wiśniewska", "Lis", "Zając", "Król", "Wójcik", "Mazur", "Krawiec", "Sowa"];
const CITIES = ["Warszawa", "Kraków", "Wrocław", "Poznań", "Gdańsk", "Gdynia", "Łódź", "Lublin", "Szczecin", "Radom"];
const STREETS = ["ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Ogrodowa", "al. Lipowa", "pl. Rynek"];

export interface ProductRecord {
  product_id: number;
  product_name: string;
  category_path: string;
  price: number;
  brand: string;
  weight_kg: number;
  optional_attributes: Record<string, string>;
}

export interface UserRecord {
  user_id: number;
  name: string;
  city: string;
  street: string;
}

export const FIRST_PRODUCT_ID = 1001;
export const FIRST_USER_ID = 102;

/** Products spread over the categories (at least 4 each), prices log-normal around each category's median. */
export function makeProducts(nProducts: number, random: Rng): { products: ProductRecord[]; categoryOf: Int32Array } {
  const products: ProductRecord[] = [];
  const categoryOf = new Int32Array(nProducts);
  for (let p = 0; p < nProducts; p++) {
    const k = p % CATEGORIES.length;
    const category = CATEGORIES[k];
    const leaf = category.path.split(";").at(-1)!;
    const brand = BRANDS[random.int(BRANDS.length)];
    // Prices end in .99 like a shop's; log-sd 0.2 spreads a category over about ×0.7 … ×1.5.
    const price = Math.max(9.99, Math.round(category.medianPrice * Math.exp(0.2 * random.normal())) - 0.01);
    products.push({
      product_id: FIRST_PRODUCT_ID + p,
      product_name: `${leaf} ${brand} ${String.fromCharCode(65 + random.int(26))}${100 + random.int(900)}`,
      category_path: category.path,
      price: Math.round(price * 100) / 100,
      brand,
      weight_kg: Math.round(category.weightKg * Math.exp(0.2 * random.normal()) * 100) / 100,
      optional_attributes: random.next() < 0.3 ? { color: ["czarny", "biały", "srebrny"][random.int(3)] } : {},
    });
    categoryOf[p] = k;
  }
  return { products, categoryOf };
}

export function makeUser(index: number, random: Rng): UserRecord {
  return {
    user_id: FIRST_USER_ID + index,
    name: `${FIRST_NAMES[random.int(FIRST_NAMES.length)]} ${LAST_NAMES[random.int(LAST_NAMES.length)]}`,
    city: CITIES[random.int(CITIES.length)],
    street: `${STREETS[random.int(STREETS.length)]} ${1 + random.int(120)}`,
  };
}
